import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/atomic.ts";
import type { ModuleContext } from "../../core/module.ts";
import { registerSecret } from "../../core/redact.ts";

/**
 * The key stream tokens are signed with: the configured one (instances behind one
 * balancer share it), else one generated on first start and kept, so links a client
 * holds survive a restart.
 */
export async function tokenKey(ctx: ModuleContext, configured: string | undefined): Promise<Buffer> {
  const fromSecrets = (await ctx.secrets.get("iptv_token_key")) ?? configured;
  if (fromSecrets) return Buffer.from(fromSecrets, "utf8");
  const file = join(ctx.paths.dataDir, "iptv-token.key");
  try {
    const text = (await readFile(file, "utf8")).trim();
    if (text.length >= 32) {
      registerSecret(text);
      return Buffer.from(text, "hex");
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  registerSecret(key.toString("hex"));
  await writeFileAtomic(file, `${key.toString("hex")}\n`, { mode: 0o600 });
  return key;
}
