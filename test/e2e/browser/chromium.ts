/**
 * Headless Chromium for the editor test: Debian's `chromium` package driven by playwright-core. No
 * browser is ever downloaded; CHROMIUM_PATH points at another build if needed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function chromiumPath(): string {
	const path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
	if (!existsSync(path)) {
		throw new Error(`No Chromium at ${path}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
	}
	return path;
}

export async function launchChromium(): Promise<Browser> {
	return await chromium.launch({
		executablePath: chromiumPath(),
		headless: true,
		// Root (CI, containers) cannot use Chromium's user-namespace sandbox; /dev/shm is small in containers.
		args: ['--no-sandbox', '--disable-dev-shm-usage'],
		timeout: 60_000,
	});
}

/** A desktop-sized window, so the editor lays out its panels as users see them. */
export async function newEditorContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
	const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
	context.setDefaultTimeout(30_000);
	context.setDefaultNavigationTimeout(60_000);
	return context;
}
