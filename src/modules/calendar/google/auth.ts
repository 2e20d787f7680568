import { createSign } from "node:crypto";
import type { calendar_v3 } from "@googleapis/calendar";
import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { registerSecret } from "../../../core/redact.ts";
import type { Secrets } from "../../../core/secrets/secrets.ts";
import type { CalendarConfig } from "../config.ts";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events";

type GoogleConfig = CalendarConfig["google"];
type AuthClient = NonNullable<calendar_v3.Options["auth"]>;

const ServiceAccountKey = z.looseObject({
  type: z.literal("service_account"),
  client_email: z.string().email(),
  private_key: z.string().includes("PRIVATE KEY"),
  private_key_id: z.string().optional(),
  token_uri: z.url().optional(),
});

const TokenAnswer = z.looseObject({ access_token: z.string(), expires_in: z.number().optional() });
const TokenError = z.looseObject({ error: z.string(), error_description: z.string().optional() });

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/**
 * A service account's access token by the JWT bearer grant (RFC 7523), as Google
 * documents it: a JWT signed with the account's key, sent to the key's token_uri.
 */
async function serviceAccountToken(
  keyJson: string,
  config: GoogleConfig,
): Promise<{ token: string; email: string; expiresAt: number }> {
  let parsed: z.output<typeof ServiceAccountKey>;
  try {
    parsed = ServiceAccountKey.parse(JSON.parse(keyJson));
  } catch {
    throw new UserError("the secret google_service_account_key is not a service account JSON key", {
      code: ExitCode.config,
      hint: "download a JSON key for the service account in the Google Cloud console (IAM, Service accounts, Keys)",
    });
  }
  registerSecret(parsed.private_key);
  const tokenUri = parsed.token_uri ?? config.token_url;
  const now = Math.floor(Date.now() / 1000);
  const header = {
    alg: "RS256",
    typ: "JWT",
    ...(parsed.private_key_id ? { kid: parsed.private_key_id } : {}),
  };
  const claims = {
    iss: parsed.client_email,
    scope: CALENDAR_SCOPE,
    aud: tokenUri,
    iat: now,
    exp: now + 3600,
    ...(config.subject ? { sub: config.subject } : {}),
  };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(parsed.private_key);
  const response = await fetch(tokenUri, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: `${unsigned}.${base64url(signature)}`,
    }),
  }).catch((error: unknown) => {
    throw new UserError(`cannot reach Google's token endpoint ${tokenUri}: ${(error as Error).message}`, {
      code: ExitCode.unavailable,
    });
  });
  const body: unknown = await response.json().catch(() => ({}));
  const ok = TokenAnswer.safeParse(body);
  if (!response.ok || !ok.success) {
    const problem = TokenError.safeParse(body);
    const what = problem.success
      ? `${problem.data.error}${problem.data.error_description ? `: ${problem.data.error_description}` : ""}`
      : `HTTP ${response.status}`;
    throw new UserError(`Google refused the service account ${parsed.client_email} (${what})`, {
      code: ExitCode.noPerm,
      hint: config.subject
        ? "domain-wide delegation must allow the scope https://www.googleapis.com/auth/calendar.events for this account"
        : "check that the key is current and the Calendar API is enabled in the account's project",
    });
  }
  registerSecret(ok.data.access_token);
  return {
    token: ok.data.access_token,
    email: parsed.client_email,
    expiresAt: Date.now() + (ok.data.expires_in ?? 3600) * 1000,
  };
}

/**
 * An authorised client for the Calendar API: the installed-app OAuth client with the
 * stored refresh token (the library refreshes the access token at the configured token
 * endpoint), or a service account.
 */
export async function googleAuth(
  config: GoogleConfig,
  secrets: Secrets,
): Promise<{ auth: AuthClient; account: string }> {
  const { auth } = await import("@googleapis/calendar");
  if (config.auth === "service_account") {
    const key = await secrets.require("google_service_account_key");
    const { token, email, expiresAt } = await serviceAccountToken(key, config);
    const client = new auth.OAuth2();
    client.setCredentials({ access_token: token, expiry_date: expiresAt });
    return { auth: client, account: email };
  }
  if (!config.client_id) {
    throw new UserError("calendar.google.client_id is not set", {
      code: ExitCode.config,
      hint: 'create an OAuth client of type "Desktop app" in the Google Cloud console, put its id in calendar.google.client_id and its secret in the secret google_client_secret, then run `deskhub calendar login`',
    });
  }
  const clientSecret = await secrets.require("google_client_secret");
  const refreshToken = await secrets.get("google_refresh_token");
  if (!refreshToken) {
    throw new UserError("no Google refresh token yet", {
      code: ExitCode.config,
      hint: "run `deskhub calendar login` once to authorise deskhub in the browser",
    });
  }
  const client = new auth.OAuth2({
    clientId: config.client_id,
    clientSecret,
    endpoints: { oauth2TokenUrl: config.token_url, oauth2AuthBaseUrl: config.auth_url },
  });
  client.setCredentials({ refresh_token: refreshToken });
  return { auth: client, account: "the authorised Google account" };
}
