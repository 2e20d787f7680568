import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { googleEventId } from "../../../src/modules/calendar/google/ids.ts";
import { type FakeGoogle, startFakeGoogle } from "../../fixtures/google-calendar/server.ts";
import { makeSandbox, repoRoot, runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { writeConfig } from "./setup.ts";

const CALENDAR = "c_8f2k1m0q9d@group.calendar.google.com";
const CLIENT = {
  id: "123456789012-abcdefghijklmnop.apps.googleusercontent.com",
  secret: "GOCSPX-testclientsecret123",
};
const REFRESH = "1//0gTestRefreshTokenForDeskhub-abcdefghijklmnop";

interface SyncJson {
  calendarId: string;
  insert: Array<{ id: string; summary: string; start: string }>;
  update: Array<{ id: string; summary: string; changes: string[] }>;
  delete: Array<{ id: string; summary: string }>;
  unchanged: number;
  applied: boolean;
  conflicts: number;
}

describe("Google Calendar sync against a fake Calendar API", () => {
  let google: FakeGoogle;
  let sandbox: Sandbox;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;

  const writes = () => google.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/calendar/"));
  const sync = async (...args: string[]) => {
    const result = await runCli(["calendar", "sync", "--json", ...args], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as SyncJson[])[0]!;
  };
  const managed = () =>
    google.events(CALENDAR).filter((e) => e.extendedProperties?.private?.deskhub_source === "alva");

  beforeAll(async () => {
    google = await startFakeGoogle({
      client: CLIENT,
      refreshTokens: { [REFRESH]: "parent@example.com" },
      calendars: { [CALENDAR]: { summary: "Skolan", writers: ["parent@example.com"] } },
      // Small pages, so a school year (about 40 events) takes several list requests.
      pageSize: 7,
    });
    sandbox = makeSandbox();
    env = { ...sandbox.env, GOOGLE_CLIENT_SECRET: CLIENT.secret, GOOGLE_REFRESH_TOKEN: REFRESH };
    dataDir = join(sandbox.root, "school-data");
    writeConfig(sandbox, {
      data_dir: dataDir,
      schools: [
        {
          id: "alva",
          municipality: "uppsala",
          child: "Alva",
          years: ["2025/26"],
          google_calendar_id: CALENDAR,
        },
      ],
      google: {
        client_id: CLIENT.id,
        root_url: google.url,
        token_url: google.tokenUrl,
        auth_url: google.authUrl,
      },
    });
    // The family's own event in the same calendar: a sync must never touch it.
    google.put(CALENDAR, {
      summary: "Föräldramöte",
      start: { dateTime: "2025-09-10T18:00:00+02:00" },
      end: { dateTime: "2025-09-10T19:00:00+02:00" },
    });
  });
  afterAll(async () => {
    await google?.stop();
    sandbox?.cleanup();
  });

  it("shows the plan with --dry-run and changes nothing", async () => {
    const plan = await sync("--dry-run");
    expect(plan.applied).toBe(false);
    // 4 term starts and ends, 8 days off, studenten and the 10 weekday holidays inside the terms.
    expect(plan.insert).toHaveLength(23);
    expect(plan.insert.map((e) => e.summary)).toContain("Alva: Höstlov");
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(writes()).toEqual([]);
    const text = await runCli(["calendar", "sync", "--dry-run"], env);
    expect(text.stdout).toMatch(/plan for alva -> .*: \d+ to insert, 0 to update, 0 to delete/);
    expect(text.stdout).toContain("+ 2025-10-27  Alva: Höstlov");
    expect(text.stdout).toContain("nothing was changed");
  });

  it("inserts every event with an id derived from its UID, with a refreshed access token", async () => {
    const first = await sync();
    expect(first.applied).toBe(true);
    const events = managed();
    expect(events).toHaveLength(first.insert.length);
    for (const e of events) expect(e.id).toMatch(/^[a-v0-9]{5,1024}$/);
    const hostlov = events.find((e) => e.summary === "Alva: Höstlov")!;
    expect(hostlov.start).toEqual({ date: "2025-10-27" });
    expect(hostlov.end).toEqual({ date: "2025-11-01" });
    expect(hostlov.transparency).toBe("transparent");
    expect(hostlov.id).toBe(googleEventId(hostlov.extendedProperties!.private!.deskhub_uid!));
    const tokenRequests = google.requests.filter((r) => r.path === "/token");
    expect(tokenRequests.at(-1)).toMatchObject({
      status: 200,
      body: { grant_type: "refresh_token", client_id: CLIENT.id },
    });
    expect(google.events(CALENDAR).find((e) => e.summary === "Föräldramöte")?.status).toBe("confirmed");
  });

  it("changes nothing on a second run with the same data, reading the events page by page", async () => {
    const before = writes().length;
    const listsBefore = google.requests.filter((r) => r.method === "GET").length;
    const second = await sync();
    const lists = google.requests.filter((r) => r.method === "GET").slice(listsBefore);
    // 23 events in pages of 7: four requests, each after the first with the previous page's token.
    expect(lists).toHaveLength(4);
    expect(lists.slice(1).every((r) => r.query.get("pageToken"))).toBe(true);
    expect(lists[0]!.query.get("showDeleted")).toBe("true");
    expect(lists[0]!.query.getAll("privateExtendedProperty")).toEqual(["deskhub_source=alva"]);
    expect(second.insert).toEqual([]);
    expect(second.update).toEqual([]);
    expect(second.delete).toEqual([]);
    expect(second.unchanged).toBe(managed().length);
    expect(writes().length).toBe(before);
  });

  it("patches what changed, deletes what is gone, restores a hand-deleted event and takes over a taken id", async () => {
    // A corrected data file: höstlov one day shorter, the 9 March lovdag withdrawn.
    mkdirSync(join(dataDir, "uppsala"), { recursive: true });
    const original = readFileSync(join(repoRoot, "data/calendar/uppsala/2025-26.yaml"), "utf8");
    const changed = original
      .replace("    start: 2025-10-27\n    end: 2025-10-31", "    start: 2025-10-27\n    end: 2025-10-30")
      .replace("  - kind: lovdag\n    date: 2026-03-09\n", "");
    expect(changed).not.toBe(original);
    writeFileSync(join(dataDir, "uppsala/2025-26.yaml"), changed);

    const sportlov = managed().find((e) => e.summary === "Alva: Sportlov")!;
    google.remove(CALENDAR, sportlov.id);
    // Someone stripped deskhub's marker from the påsklov event: the list no longer
    // returns it, so the sync inserts, meets 409 and takes the id over.
    const pasklov = managed().find((e) => e.summary === "Alva: Påsklov")!;
    pasklov.extendedProperties = { private: {} };

    const third = await sync();
    expect(third.update.map((u) => u.summary).sort()).toEqual(["Alva: Höstlov", "Alva: Sportlov"]);
    expect(third.update.find((u) => u.summary === "Alva: Höstlov")!.changes).toEqual(["end"]);
    expect(third.update.find((u) => u.summary === "Alva: Sportlov")!.changes).toEqual(["status"]);
    expect(third.delete.map((d) => d.summary)).toEqual(["Alva: Lovdag"]);
    expect(third.insert.map((i) => i.summary)).toEqual(["Alva: Påsklov"]);
    expect(third.conflicts).toBe(1);
    expect(google.requests.some((r) => r.method === "POST" && r.status === 409)).toBe(true);

    const byName = (summary: string) =>
      google.events(CALENDAR).find((e) => e.summary === summary && e.status !== "cancelled");
    expect(byName("Alva: Höstlov")?.end).toEqual({ date: "2025-10-31" });
    expect(byName("Alva: Sportlov")?.status).toBe("confirmed");
    expect(byName("Alva: Påsklov")?.extendedProperties?.private?.deskhub_source).toBe("alva");
    const lovdag = google.events(CALENDAR).find((e) => e.start?.date === "2026-03-09");
    expect(lovdag?.status).toBe("cancelled");

    const fourth = await sync();
    expect([fourth.insert.length, fourth.update.length, fourth.delete.length]).toEqual([0, 0, 0]);
  });

  it("says a revoked refresh token needs a new login, without printing the token", async () => {
    const result = await runCli(["calendar", "sync"], {
      ...env,
      GOOGLE_REFRESH_TOKEN: "1//0gRevokedTokenValue-xyz",
    });
    expect(result.code).toBe(77);
    expect(result.stderr).toContain("deskhub calendar login");
    expect(result.stderr).not.toContain("RevokedTokenValue");
    expect(result.stderr).not.toContain(CLIENT.secret);
  });

  it("names the missing write access when the calendar is not shared with the account", async () => {
    google.share(CALENDAR, ["someone-else@example.com"]);
    try {
      const result = await runCli(["calendar", "sync"], env);
      expect(result.code).toBe(77);
      expect(result.stderr).toContain(`may not change events in the Google calendar ${CALENDAR}`);
      expect(result.stderr).toContain("Make changes to events");
    } finally {
      google.share(CALENDAR, ["parent@example.com"]);
    }
  });
});

describe("Google authorisation", () => {
  let google: FakeGoogle;
  let sandbox: Sandbox;
  const SA = "deskhub-sync@family-calendar-4711.iam.gserviceaccount.com";
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });

  beforeAll(async () => {
    google = await startFakeGoogle({
      client: CLIENT,
      serviceAccounts: { [SA]: keys.publicKey.export({ type: "spki", format: "pem" }).toString() },
      calendars: { [CALENDAR]: { summary: "Skolan", writers: [SA, "parent@example.com"] } },
    });
    sandbox = makeSandbox();
  });
  afterAll(async () => {
    await google?.stop();
    sandbox?.cleanup();
  });

  it("syncs as a service account with a signed JWT sent to the key's token_uri", async () => {
    const keyFile = join(sandbox.root, "sa.json");
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: "service_account",
        project_id: "family-calendar-4711",
        private_key_id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6",
        private_key: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        client_email: SA,
        client_id: "109876543210987654321",
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: google.tokenUrl,
      }),
      { mode: 0o600 },
    );
    writeConfig(
      sandbox,
      {
        schools: [{ id: "alva", municipality: "uppsala", years: ["2025/26"], google_calendar_id: CALENDAR }],
        google: { auth: "service_account", root_url: google.url },
      },
      { secrets: { files: { google_service_account_key: [keyFile] } } },
    );
    const result = await runCli(["calendar", "sync", "--json"], sandbox.env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [plan] = JSON.parse(result.stdout) as SyncJson[];
    expect(plan!.insert).toHaveLength(23);
    expect(google.requests.find((r) => r.path === "/token")).toMatchObject({
      status: 200,
      body: { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer" },
    });
    expect(google.events(CALENDAR).length).toBe(plan!.insert.length);
  });

  it("logs in through the browser flow with a loopback redirect and PKCE, and keeps the refresh token", async () => {
    writeConfig(sandbox, {
      schools: [{ id: "alva", municipality: "uppsala", years: ["2025/26"], google_calendar_id: CALENDAR }],
      google: {
        client_id: CLIENT.id,
        root_url: google.url,
        token_url: google.tokenUrl,
        auth_url: google.authUrl,
      },
    });
    const env = { ...sandbox.env, GOOGLE_CLIENT_SECRET: CLIENT.secret };
    const child = spawnCli(["calendar", "login", "--no-browser"], env);
    try {
      const consent = await waitFor(
        () => /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/.exec(child.output())?.[1],
        {
          what: "the consent URL",
        },
      );
      const url = new URL(consent);
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
      expect(url.searchParams.get("access_type")).toBe("offline");
      expect(url.searchParams.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      // The "browser": Google's consent page redirects to deskhub's loopback listener.
      const page = await fetch(consent);
      expect(await page.text()).toContain("deskhub is authorised");
      const code = await child.exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill();
    }
    const tokenFile = join(sandbox.home, ".config/deskhub/google_refresh_token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const saved = readFileSync(tokenFile, "utf8").trim();
    expect(google.refreshTokens[saved]).toBe("parent@example.com");
    expect(child.output()).not.toContain(saved);
    // The new token works: a sync authorises with it (no GOOGLE_REFRESH_TOKEN set).
    const result = await runCli(["calendar", "sync", "--dry-run", "--json"], env);
    expect(result.code).toBe(0);
    expect(google.requests.filter((r) => r.path === "/token").at(-1)).toMatchObject({
      status: 200,
      body: { grant_type: "refresh_token" },
    });
  });
});
