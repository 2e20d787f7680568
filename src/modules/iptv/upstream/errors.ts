/**
 * A failure talking to the provider. Messages say what happened in words a household
 * member can act on and never carry the provider's address or the line's credentials:
 * they end up in HTTP answers and logs.
 */
export type UpstreamFailure = "timeout" | "unreachable" | "status" | "aborted" | "redirects" | "bad_response";

export class UpstreamError extends Error {
  readonly kind: UpstreamFailure;
  /** The provider's HTTP status, for `status`. */
  readonly status: number | undefined;

  constructor(kind: UpstreamFailure, message: string, status?: number) {
    super(message);
    this.name = "UpstreamError";
    this.kind = kind;
    this.status = status;
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ETIMEDOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
]);

/** Turns a socket error (whose message names host and port) into one that names neither. */
export function fromNetworkError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? "";
  if (code === "ABORT_ERR" || (error as Error | undefined)?.name === "AbortError") {
    return new UpstreamError("aborted", "the request was cancelled");
  }
  if (code.includes("CERT") || code.startsWith("ERR_TLS") || code.includes("SSL")) {
    return new UpstreamError("unreachable", `the provider's TLS certificate was refused (${code})`);
  }
  if (NETWORK_CODES.has(code))
    return new UpstreamError("unreachable", `the provider cannot be reached (${code})`);
  return new UpstreamError("bad_response", `the provider's answer was broken${code ? ` (${code})` : ""}`);
}
