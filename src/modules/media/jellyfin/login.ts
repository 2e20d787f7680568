import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { registerSecret } from "../../../core/redact.ts";
import { httpFailure, jellyfinError } from "./errors.ts";
import { loadSdk, type SdkApi } from "./sdk.ts";

const AuthenticationResult = z.looseObject({
  AccessToken: z.string().min(1),
  ServerId: z.string().nullish(),
  User: z.looseObject({ Id: z.string(), Name: z.string().nullish() }),
});

const QuickConnectResult = z.looseObject({
  Authenticated: z.boolean(),
  Secret: z.string(),
  Code: z.string(),
});

export interface LoginResult {
  token: string;
  userId: string;
  userName: string;
}

function toLogin(data: unknown): LoginResult {
  const result = AuthenticationResult.parse(data);
  registerSecret(result.AccessToken);
  return { token: result.AccessToken, userId: result.User.Id, userName: result.User.Name ?? "" };
}

export async function loginWithPassword(
  api: SdkApi,
  user: string,
  password: string,
  timeoutMs: number,
): Promise<LoginResult> {
  const sdk = await loadSdk();
  try {
    const { data } = await sdk
      .auth(api)
      .authenticateUserByName(
        { authenticateUserByName: { Username: user, Pw: password } },
        { timeout: timeoutMs },
      );
    return toLogin(data);
  } catch (error) {
    if (httpFailure(error).status === 401) {
      throw new UserError(`Jellyfin did not accept the password for "${user}"`, {
        code: ExitCode.noPerm,
        hint: "check the user name and password (JELLYFIN_PASSWORD, --password-stdin, or the prompt)",
      });
    }
    throw jellyfinError(error, "logging in", api.basePath);
  }
}

/**
 * Quick Connect: the server hands out a code, the user enters it in a Jellyfin app where
 * they are signed in, and this side polls until the server says it was authorised.
 */
export async function loginWithQuickConnect(
  api: SdkApi,
  options: {
    timeoutMs: number;
    pollMs?: number;
    waitMs?: number;
    onCode(code: string): void;
    signal?: AbortSignal;
  },
): Promise<LoginResult> {
  const sdk = await loadSdk();
  const auth = sdk.auth(api);
  const request = { timeout: options.timeoutMs };
  try {
    const enabled = (await auth.getQuickConnectEnabled(request)).data;
    if (!enabled) {
      throw new UserError("Quick Connect is switched off on this Jellyfin server", {
        code: ExitCode.unavailable,
        hint: "an administrator can enable it (Dashboard > General > Quick Connect), or log in with a password",
      });
    }
    let state = QuickConnectResult.parse((await auth.initiateQuickConnect(request)).data);
    options.onCode(state.Code);
    const deadline = Date.now() + (options.waitMs ?? 300_000);
    while (!state.Authenticated) {
      if (Date.now() > deadline) {
        throw new UserError(`nobody entered the Quick Connect code ${state.Code} in time`, {
          code: ExitCode.unavailable,
          hint: "run the login again and enter the code under Settings > Quick Connect in a signed-in Jellyfin app",
        });
      }
      if (options.signal?.aborted) throw new UserError("login cancelled", { code: ExitCode.usage });
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
      state = QuickConnectResult.parse(
        (await auth.getQuickConnectState({ secret: state.Secret }, request)).data,
      );
    }
    const { data } = await auth.authenticateWithQuickConnect(
      { quickConnectDto: { Secret: state.Secret } },
      request,
    );
    return toLogin(data);
  } catch (error) {
    throw jellyfinError(error, "logging in with Quick Connect", api.basePath);
  }
}
