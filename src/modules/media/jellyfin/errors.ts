import { ExitCode, UserError } from "../../../core/errors.ts";

const OFFLINE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNABORTED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_NETWORK",
]);

interface HttpFailure {
  status?: number;
  code?: string;
  message: string;
}

/** The useful part of an axios (or fetch) error, without its config: that holds the token. */
export function httpFailure(error: unknown): HttpFailure {
  const e = error as {
    response?: { status?: number };
    code?: string;
    cause?: { code?: string };
    message?: string;
  };
  return {
    status: e?.response?.status,
    code: e?.code ?? e?.cause?.code,
    message: typeof e?.message === "string" ? e.message : String(error),
  };
}

export function isOffline(error: unknown): boolean {
  if (error instanceof UserError) return error.code === ExitCode.unavailable;
  const failure = httpFailure(error);
  return failure.status === undefined && failure.code !== undefined && OFFLINE_CODES.has(failure.code);
}

/** Turns a failed request into a message that says what deskhub was doing and what to do. */
export function jellyfinError(error: unknown, doing: string, baseUrl: string): UserError {
  if (error instanceof UserError) return error;
  const failure = httpFailure(error);
  if (failure.status === 401) {
    return new UserError(`Jellyfin at ${baseUrl} refused the credentials while ${doing} (401)`, {
      code: ExitCode.noPerm,
      hint: "check JELLYFIN_API_KEY, or log in again with `deskhub media jellyfin login`",
      cause: error,
    });
  }
  if (failure.status === 403) {
    return new UserError(`Jellyfin at ${baseUrl} does not allow this user to do that (${doing}, 403)`, {
      code: ExitCode.noPerm,
      cause: error,
    });
  }
  if (failure.status === 404) {
    return new UserError(`Jellyfin at ${baseUrl} has no such item (${doing}, 404)`, {
      code: ExitCode.dataErr,
      hint: "the library changed; run `deskhub media refresh`",
      cause: error,
    });
  }
  if (failure.status !== undefined) {
    return new UserError(`Jellyfin at ${baseUrl} failed while ${doing} (HTTP ${failure.status})`, {
      code: ExitCode.unavailable,
      cause: error,
    });
  }
  return new UserError(
    `cannot reach Jellyfin at ${baseUrl} while ${doing}${failure.code ? ` (${failure.code})` : ""}`,
    {
      code: ExitCode.unavailable,
      hint: "is the server up and the URL right? Menus keep working from the cache meanwhile",
      cause: error,
    },
  );
}
