import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import counter from "../../fixtures/modules/counter.ts";
import needy from "../../fixtures/modules/needy.ts";
import { launchChromium } from "../../helpers/browser.ts";
import { freePort, makeSandbox, type Sandbox } from "../../helpers/sandbox.ts";

let sandbox: Sandbox;
let daemon: DaemonHandle;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  sandbox = makeSandbox();
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    `dashboard:\n  port: ${await freePort()}\ncounter:\n  start: 5\n`,
  );
  daemon = await startDaemon({ env: sandbox.env, modules: [counter, needy] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.cleanup();
  await daemon?.stop();
  sandbox?.cleanup();
});

describe("the dashboard in Chromium", () => {
  it("shows modules with their health and how to configure the one that needs it", async () => {
    const page = await browser.newPage();
    await page.goto(daemon.dashboardUrl);
    await expect.poll(() => page.getByTestId("health-counter").textContent()).toBe("running");
    expect(await page.getByTestId("health-needy").textContent()).toBe("needs config");
    expect(await page.locator('[data-module="needy"]').textContent()).toContain(
      "set needy.server or NEEDY_SERVER",
    );
    expect(await page.getByTestId("config").textContent()).toContain('"port"');
    await page.close();
  });

  it("shows an entity change without a reload", async () => {
    const page = await browser.newPage();
    await page.goto(daemon.dashboardUrl);
    const value = page.getByTestId("value-counter.value");
    await expect.poll(() => value.textContent()).toMatch(/^\d+ clicks$/);
    await page.locator("#conn.live").waitFor();
    const before = Number((await value.textContent())?.split(" ")[0]);
    let navigations = 0;
    page.on("framenavigated", () => navigations++);
    await daemon.runtime.store.run("counter.increment", { by: 10 }, "test");
    await expect.poll(() => value.textContent(), { timeout: 1_000 }).toBe(`${before + 10} clicks`);
    expect(navigations).toBe(0);
    await page.close();
  });

  it("runs a command from its button and a select from its control", async () => {
    const page = await browser.newPage();
    await page.goto(daemon.dashboardUrl);
    const before = Number(daemon.runtime.store.value("counter.value"));
    const row = page.locator("tr", { has: page.getByTestId("run-counter.increment") });
    await row.locator('input[name="by"]').fill("2");
    await page.getByTestId("run-counter.increment").click();
    await expect
      .poll(() => page.getByTestId("result-counter.increment").textContent())
      .toContain(`"value":${before + 2}`);
    expect(daemon.runtime.store.value("counter.value")).toBe(before + 2);

    await page.locator('[data-entity="counter.mode"] select').selectOption("fast");
    await expect.poll(() => daemon.runtime.store.value("counter.mode")).toBe("fast");
    await expect.poll(() => page.getByTestId("value-counter.mode").textContent()).toBe("fast");
    await page.close();
  });

  it("refuses a command posted from another site", async () => {
    const res = await fetch(`${daemon.dashboardUrl}api/commands/counter.increment`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body: "{}",
    });
    expect(res.status).toBe(403);
  });
});
