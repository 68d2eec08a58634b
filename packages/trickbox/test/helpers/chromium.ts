// Debian's Chromium, driven headless by playwright-core for the demo page tests (setup.sh installs it; nothing is
// downloaded). The background-networking flags matter on an offline machine: without them Chromium's own connections
// are refused and logged.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh Chromium profile; throws with the install command when Chromium is missing. */
export async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: install it with \`apt-get install -y chromium\` (./setup.sh does)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'trickbox-chromium-'));
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}
