import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium, headless, with the flags this sandboxed, offline machine needs.
 * Playwright gives each launch a fresh temporary profile of its own.
 */
export async function launchChromium(): Promise<Browser & { cleanup(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return Object.assign(browser, { cleanup: () => browser.close() });
}
