/** sysexits(3) codes, so scripts and systemd can tell a typo from an outage. */
export const ExitCode = {
  ok: 0,
  usage: 64,
  dataErr: 65,
  unavailable: 69,
  software: 70,
  noPerm: 77,
  config: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error meant for the person at the keyboard: it names what was wrong and what to do.
 * Anything else that reaches the top is a bug and is reported as such.
 */
export class UserError extends Error {
  readonly code: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: { code?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UserError";
    this.code = options.code ?? ExitCode.dataErr;
    this.hint = options.hint;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message and, for a UserError, what to do about it: for status lines and health. */
export function errorWithHint(error: unknown): string {
  const message = errorMessage(error);
  return isUserError(error) && error.hint ? `${message}: ${error.hint}` : message;
}
