import { z } from "zod";
import { UpstreamError } from "./errors.ts";
import { jsonElements } from "./json-elements.ts";
import type { UpstreamLine } from "./line.ts";
import { readBody, requestUpstream } from "./request.ts";

export interface ApiOptions {
  timeoutMs: number;
  userAgent?: string | undefined;
  signal?: AbortSignal | undefined;
}

const NumberOrString = z.union([z.number(), z.string()]);

/** The login answer, read loosely: panels differ in which fields are numbers or strings. */
export const LoginAnswer = z.looseObject({
  user_info: z.looseObject({
    auth: z.union([z.number(), z.string(), z.boolean()]).nullish(),
    status: z.string().nullish(),
    max_connections: NumberOrString.nullish(),
    active_cons: NumberOrString.nullish(),
  }),
  server_info: z.looseObject({}).optional(),
});
export type LoginAnswer = z.output<typeof LoginAnswer>;

function headers(options: ApiOptions): Record<string, string | undefined> {
  return { "user-agent": options.userAgent ?? "deskhub-iptv", accept: "application/json, */*" };
}

async function open(url: URL, options: ApiOptions) {
  const { res, status } = await requestUpstream(url, {
    timeoutMs: options.timeoutMs,
    headers: headers(options),
    signal: options.signal,
    keepAlive: true,
  });
  if (status < 200 || status >= 300) {
    res.resume();
    throw new UpstreamError("status", `the provider answered HTTP ${status}`, status);
  }
  return res;
}

/** A small JSON answer (details, EPG, login), parsed but not validated: callers decide. */
export async function fetchApiJson(
  line: UpstreamLine,
  params: Record<string, string | undefined>,
  options: ApiOptions,
  limit = 32 * 1024 * 1024,
): Promise<unknown> {
  const body = await readBody(await open(line.api(params), options), limit);
  const text = body.toString("utf8").trim();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError("bad_response", "the provider's answer is not JSON");
  }
}

/** A catalogue list (streams, categories), element by element as it arrives. */
export async function* fetchApiList(
  line: UpstreamLine,
  action: string,
  options: ApiOptions,
): AsyncGenerator<unknown> {
  yield* jsonElements(await open(line.api({ action }), options));
}

export function isAuthorised(answer: LoginAnswer): boolean {
  const auth = answer.user_info.auth;
  return auth === 1 || auth === "1" || auth === true;
}

/** Logs the line in; a refusal is an error that says so without naming the account. */
export async function fetchLogin(line: UpstreamLine, options: ApiOptions): Promise<LoginAnswer> {
  const raw = await fetchApiJson(line, {}, options, 1024 * 1024);
  const parsed = LoginAnswer.safeParse(raw);
  if (!parsed.success || !isAuthorised(parsed.data)) {
    throw new UpstreamError(
      "status",
      `the provider refused the ${line.key === "main" ? "main account" : "line"}'s username or password`,
      401,
    );
  }
  const max = Number(parsed.data.user_info.max_connections);
  if (Number.isInteger(max) && max > 0) line.reportedLimit = max;
  return parsed.data;
}
