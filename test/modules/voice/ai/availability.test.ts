import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkBackends, publishAvailability } from "../../../../src/modules/voice/ai/availability.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { type AiTestContext, aiContext } from "./support.ts";

let t: AiTestContext;
afterEach(() => t?.sandbox.cleanup());

describe("which assistant backends can run here", () => {
  it("says for each backend what it found, or exactly what is missing and how to add it", async () => {
    t = aiContext({ ANTHROPIC_API_KEY: "sk-ant-api03-availability-000000" });
    const config = AiConfig.parse({ claude: { binary: "claude-absent" } });
    const deps = { config, paths: t.ctx.paths, env: t.ctx.env, secrets: t.ctx.secrets };
    const none = await checkBackends(deps);
    expect(none.anthropic).toEqual({
      available: true,
      detail: "model claude-haiku-4-5, key from ANTHROPIC_API_KEY",
    });
    expect(none.realtime).toEqual({
      available: false,
      missing: "an OpenAI API key",
      how: expect.stringMatching(/OPENAI_API_KEY/),
    });
    expect(none.claude).toMatchObject({
      available: false,
      missing: "the Claude Code CLI (claude-absent is not on PATH)",
    });
    publishAvailability(t.store, "realtime", none);
    expect(t.store.get("voice.ai_backend")).toMatchObject({
      category: "diagnostic",
      state: { value: "unavailable", attributes: { mode: "realtime", missing: "an OpenAI API key" } },
    });

    // The voice module declares where the OpenAI key may live; a key file there is found.
    t.ctx.secrets.declare({
      name: "openai_api_key",
      description: "OpenAI",
      env: ["OPENAI_API_KEY"],
      files: ["~/.config/openai/api_key"],
    });
    mkdirSync(join(t.sandbox.home, ".config/openai"), { recursive: true });
    writeFileSync(
      join(t.sandbox.home, ".config/openai/api_key"),
      "sk-proj-availability-test-000000000000\n",
      { mode: 0o600 },
    );
    const binary = join(t.sandbox.root, "claude");
    writeFileSync(binary, "#!/bin/sh\nexit 0\n");
    chmodSync(binary, 0o755);
    const all = await checkBackends({ ...deps, config: AiConfig.parse({ claude: { binary } }) });
    expect(all.realtime).toEqual({
      available: true,
      detail: `model gpt-realtime, voice marin, key from ${join(t.sandbox.home, ".config/openai/api_key")}`,
    });
    expect(all.claude).toEqual({ available: true, detail: `${binary}, permission mode default` });
    publishAvailability(t.store, "realtime", all);
    expect(t.store.value("voice.ai_backend")).toBe("realtime");
    expect(JSON.stringify(t.store.get("voice.ai_backend"))).not.toContain("sk-proj-availability");
  });
});
