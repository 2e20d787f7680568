import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePaths } from "../../../../src/core/paths.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { resolveForRead, resolveForWrite } from "../../../../src/modules/voice/ai/tools/file-guard.ts";
import { secretPlaces } from "../../../../src/modules/voice/ai/tools/secret-places.ts";
import { fileRoots, systemTools } from "../../../../src/modules/voice/ai/tools/system-tools.ts";
import type { PreparedCall, RefusedCall, Tool } from "../../../../src/modules/voice/ai/tools/types.ts";
import { makeSandbox, type Sandbox } from "../../../helpers/sandbox.ts";

let sandbox: Sandbox;
let home: string;
let tools: Tool<unknown>[];

function tool(name: string): Tool<unknown> {
  return tools.find((t) => t.name === name)!;
}

async function prepare(name: string, args: unknown): Promise<PreparedCall | RefusedCall> {
  const t = tool(name);
  return t.prepare(t.args.parse(args));
}

beforeAll(() => {
  sandbox = makeSandbox();
  home = sandbox.home;
  mkdirSync(join(home, "Documents/notes"), { recursive: true });
  mkdirSync(join(home, ".ssh"), { mode: 0o700 });
  mkdirSync(join(sandbox.root, "outside"));
  writeFileSync(join(home, "Documents/notes/shopping.txt"), "milk\nbread\n");
  writeFileSync(join(home, ".ssh/id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
  writeFileSync(join(sandbox.root, "outside/secret.txt"), "not yours\n");
  writeFileSync(join(home, "Documents/photo.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x10, 0x4a, 0x46]));
  // A link inside the root that leads out of it, for files and for a directory.
  symlinkSync(join(sandbox.root, "outside/secret.txt"), join(home, "Documents/innocent.txt"));
  symlinkSync(join(sandbox.root, "outside"), join(home, "Documents/escape"));
  const config = AiConfig.parse({
    files: { read_roots: ["~/Documents"], write_roots: ["~/Documents/notes"], max_read_bytes: 1024 },
  });
  tools = systemTools({ config, home, env: sandbox.env });
});
afterAll(() => sandbox.cleanup());

describe("read_file", () => {
  it("reads a text file under a read root, by ~ path or relative to the first root", async () => {
    for (const path of ["~/Documents/notes/shopping.txt", "notes/shopping.txt"]) {
      const call = await prepare("read_file", { path });
      if ("refused" in call) throw new Error(call.refused);
      expect(await call.run({ signal: new AbortController().signal })).toBe("milk\nbread\n");
    }
  });

  it("refuses paths that escape the root through ..", async () => {
    const call = await prepare("read_file", { path: "~/Documents/../../outside/secret.txt" });
    expect(call).toEqual({
      refused: expect.stringMatching(/outside\/secret\.txt is outside the directories it may read/),
    });
  });

  it("refuses a symlink inside the root that points outside, and a path through a linked directory", async () => {
    expect(await prepare("read_file", { path: "~/Documents/innocent.txt" })).toEqual({
      refused: expect.stringMatching(/outside\/secret\.txt is outside/),
    });
    expect(await prepare("read_file", { path: "~/Documents/escape/secret.txt" })).toEqual({
      refused: expect.stringMatching(/outside/),
    });
  });

  it("never reads denied directories, even when a root contains them", async () => {
    const roots = fileRoots(AiConfig.parse({ files: { read_roots: ["~"] } }), home);
    expect(await resolveForRead(join(home, ".ssh/id_ed25519"), roots)).toEqual({
      ok: false,
      reason: expect.stringMatching(/\.ssh, which is never read/),
    });
  });

  it("never opens deskhub's own key files, even when the config's deny list leaves them out", async () => {
    mkdirSync(join(home, ".config/anthropic"), { recursive: true });
    writeFileSync(join(home, ".config/anthropic/api_key"), "sk-ant-api03-not-for-the-model\n");
    mkdirSync(join(home, "keys"));
    writeFileSync(join(home, "keys/hass_token"), "eyJ-home-assistant-token\n");
    const config = AiConfig.parse({ files: { read_roots: ["~"], deny: [] } });
    const paths = resolvePaths(sandbox.env);
    // Another module's secret, declared at start like every module's.
    const places = secretPlaces(
      [{ name: "hass_token", description: "Home Assistant", files: ["~/keys/hass_token"] }],
      paths,
    );
    const read = systemTools({ config, home, env: sandbox.env, secrets: places }).find(
      (t) => t.name === "read_file",
    )!;
    for (const path of ["~/.config/anthropic/api_key", "~/keys/hass_token"]) {
      expect(await read.prepare({ path }), path).toEqual({
        refused: expect.stringMatching(/which is never read/),
      });
    }
    expect(places.files).toContain(paths.runtimeSecretsDir);
  });

  it("does not return binary files as text", async () => {
    const call = await prepare("read_file", { path: "~/Documents/photo.jpg" });
    if ("refused" in call) throw new Error(call.refused);
    expect(await call.run({ signal: new AbortController().signal })).toMatch(/binary file/);
  });
});

describe("write_file", () => {
  it("writes atomically under a write root, creating missing folders, and appends", async () => {
    const call = await prepare("write_file", {
      path: "~/Documents/notes/2025/todo.txt",
      content: "call the plumber\n",
    });
    if ("refused" in call) throw new Error(call.refused);
    expect(call.summary).toBe(`write: ${join(home, "Documents/notes/2025/todo.txt")} (17 bytes)`);
    await call.run({ signal: new AbortController().signal });
    const more = await prepare("write_file", {
      path: "~/Documents/notes/2025/todo.txt",
      content: "buy milk\n",
      append: true,
    });
    if ("refused" in more) throw new Error(more.refused);
    await more.run({ signal: new AbortController().signal });
    expect(readFileSync(join(home, "Documents/notes/2025/todo.txt"), "utf8")).toBe(
      "call the plumber\nbuy milk\n",
    );
    // Nothing half-written is left behind.
    expect(readdirSync(join(home, "Documents/notes/2025"))).toEqual(["todo.txt"]);
  });

  it("refuses writes outside the write roots, through .., and through symlinks", async () => {
    const roots = fileRoots(AiConfig.parse({ files: { write_roots: ["~/Documents"] } }), home);
    expect(await prepare("write_file", { path: "~/Documents/shopping.txt", content: "x" })).toEqual({
      refused: expect.stringMatching(/outside the directories it may write/),
    });
    expect(
      await prepare("write_file", { path: "~/Documents/notes/../../../outside/new.txt", content: "x" }),
    ).toEqual({
      refused: expect.stringMatching(/outside/),
    });
    // The link's target decides, not the link's own place; so does a linked parent directory.
    expect(await resolveForWrite(join(home, "Documents/innocent.txt"), roots)).toEqual({
      ok: false,
      reason: expect.stringMatching(/outside\/secret\.txt is outside/),
    });
    expect(await resolveForWrite(join(home, "Documents/escape/new/file.txt"), roots)).toEqual({
      ok: false,
      reason: expect.stringMatching(/outside\/new\/file\.txt is outside/),
    });
    expect(readFileSync(join(sandbox.root, "outside/secret.txt"), "utf8")).toBe("not yours\n");
  });

  it("refuses content over the size limit", async () => {
    expect(
      await prepare("write_file", { path: "~/Documents/notes/big.txt", content: "x".repeat(2_000_000) }),
    ).toEqual({
      refused: expect.stringMatching(/larger than/),
    });
  });
});
