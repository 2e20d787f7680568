import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { registerSecret } from "../../../core/redact.ts";
import { CALENDAR_SCOPE } from "./auth.ts";

export interface LoginOptions {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
  /** Called with the consent URL: print it, open a browser. */
  onUrl(url: string): void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

/**
 * The OAuth flow for installed apps, as Google documents it: a loopback redirect to
 * 127.0.0.1 on a free port, PKCE (S256) and a state value, `access_type=offline` so
 * Google hands out a refresh token. Returns the refresh token.
 */
export async function loginWithBrowser(
  options: LoginOptions,
): Promise<{ refreshToken: string; scope?: string }> {
  const verifier = randomBytes(48).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(16).toString("hex");

  let settle!: { resolve(code: string): void; reject(error: Error): void };
  const answer = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A refusal may arrive while nothing awaits the answer yet; it is read where it is awaited.
  answer.catch(() => undefined);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/") {
      response.writeHead(404).end();
      return;
    }
    const error = url.searchParams.get("error");
    const code = url.searchParams.get("code");
    if (url.searchParams.get("state") !== state) {
      response
        .writeHead(400, { "content-type": "text/html; charset=utf-8" })
        .end(PAGE("Wrong state", "This answer is not for the login deskhub started."));
      return;
    }
    if (error || !code) {
      response
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(PAGE("Not authorised", `Google said: ${error ?? "no code"}. You can close this tab.`));
      settle.reject(
        new UserError(`Google did not authorise deskhub: ${error ?? "no code in the answer"}`, {
          code: ExitCode.noPerm,
        }),
      );
      return;
    }
    response
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(PAGE("deskhub is authorised", "You can close this tab and return to the terminal."));
    settle.resolve(code);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const timer = setTimeout(
    () =>
      settle.reject(
        new UserError("no answer from the browser in time", {
          code: ExitCode.unavailable,
          hint: "run the command again and finish the consent in the browser",
        }),
      ),
    options.timeoutMs ?? 5 * 60_000,
  );
  const abort = () => settle.reject(new UserError("login cancelled", { code: ExitCode.unavailable }));
  options.signal?.addEventListener("abort", abort, { once: true });

  try {
    const consent = new URL(options.authUrl);
    consent.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: CALENDAR_SCOPE,
      access_type: "offline",
      // Without it Google sends a refresh token only the first time an account consents.
      prompt: "consent",
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    options.onUrl(consent.toString());
    const code = await answer;

    const { auth } = await import("@googleapis/calendar");
    const client = new auth.OAuth2({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUri,
      endpoints: { oauth2TokenUrl: options.tokenUrl },
    });
    let tokens: { refresh_token?: string | null; scope?: string };
    try {
      ({ tokens } = await client.getToken({ code, codeVerifier: verifier, redirect_uri: redirectUri }));
    } catch (error) {
      const data = (error as { response?: { data?: { error?: string; error_description?: string } } })
        .response?.data;
      throw new UserError(
        `Google did not exchange the code: ${data?.error ?? (error as Error).message}${data?.error_description ? ` (${data.error_description})` : ""}`,
        {
          code: ExitCode.noPerm,
        },
      );
    }
    if (!tokens.refresh_token) {
      throw new UserError("Google sent no refresh token", {
        code: ExitCode.unavailable,
        hint: "remove deskhub's access at https://myaccount.google.com/permissions and run `deskhub calendar login` again",
      });
    }
    registerSecret(tokens.refresh_token);
    return { refreshToken: tokens.refresh_token, ...(tokens.scope ? { scope: tokens.scope } : {}) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", abort);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
