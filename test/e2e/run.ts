/**
 * `npm run e2e`: this package, packed and installed like a community package, inside a real n8n
 * (Node 24) against the local fal emulator, in regular mode and in queue mode, and its editor driven
 * by headless Chromium (browser/). Prints one table and exits non-zero on any failure. Nothing is
 * contacted beyond 127.0.0.1 except the package registry, for the first install of Node 24 and n8n
 * into the cache folder.
 *
 *   npm run e2e [-- --regular-only | --queue-only | --browser-only | --agent-only] [-- --trigger-only] [-- --schedule-only] [-- --keep] [-- --docs-screenshots]
 *   (--trigger-only: only the Stable Avatar Trigger's scenarios, in the modes chosen)
 *   (--docs-screenshots: copy the README's screenshots from this run into docs/screenshots/)
 *   E2E_CACHE_DIR=…   cache folder (default ${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-stable-avatar)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runAgentScenarios } from './agent/agent-scenarios';
import { runBrowserMode, type BrowserRunSummary } from './browser/browser-mode';
import { N8N_VERSION } from './config';
import { startEmulator } from './emulator';
import { buildAndPack } from './package';
import { ProcessGroup, stopOnExit } from './processes';
import { runQueueMode } from './queue-mode';
import { runRegularMode } from './regular-mode';
import { runRegularTrigger } from './trigger-regular';
import { runScheduleScenarios } from './schedule';
import { Report } from './report';
import { ensureToolchain } from './toolchain';

/** Long enough that the two jobs of a batch are visibly in flight together, short enough to keep the run quick. */
const EMULATED_JOB_MS = 1500;
/**
 * Waits before each retry of a failed webhook delivery. fal retries 10 times over 2 hours, backing
 * off; the same shape, capped at 30 s, spans 3 minutes: more than n8n needs to restart here.
 */
const WEBHOOK_RETRY_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000, 30_000, 30_000];

async function main(): Promise<number> {
	const args = new Set(process.argv.slice(2));
	const started = Date.now();
	const log = (line: string) => process.stdout.write(`[${clock(started)}] ${line}\n`);
	const group = new ProcessGroup();
	const runDir = mkdtempSync(join(tmpdir(), 'stable-avatar-e2e-'));
	// PostgreSQL runs as its own user and must reach its data folder in here.
	chmodSync(runDir, 0o755);
	const keep = args.has('--keep');
	stopOnExit(group, async () => {
		await group.stopAll();
		if (!keep) rmSync(runDir, { recursive: true, force: true });
	});
	const report = new Report(log);
	const only = ['regular', 'queue', 'browser', 'agent'].find((mode) => args.has(`--${mode}-only`));
	const runs = (mode: string) => !only || only === mode;
	let browser: BrowserRunSummary | undefined;
	let exitCode = 1;
	try {
		const toolchain = await ensureToolchain(group, log);
		log('building and packing the package…');
		const tarball = await buildAndPack(group, runDir);
		const { client: emulator } = await startEmulator(group, runDir, { runMs: EMULATED_JOB_MS, webhookRetryMs: WEBHOOK_RETRY_MS });
		log(`fal emulator on ${emulator.url}`);
		const stage = { group, toolchain, tarball, emulator, report, runDir, log };

		const triggerOnly = args.has('--trigger-only');
		// --schedule-only: only scheduled-batch.json (Once Per Key under a real Schedule Trigger), in the modes chosen.
		const scheduleOnly = args.has('--schedule-only');
		if (runs('regular') && !scheduleOnly) {
			if (!triggerOnly) await runRegularMode(stage);
			await runRegularTrigger(stage);
		}
		if (runs('queue') && !scheduleOnly) await runQueueMode(stage, { triggerOnly });
		if (!triggerOnly) await runScheduleScenarios(stage, { regular: runs('regular'), queue: runs('queue') });
		if (runs('agent') && !triggerOnly && !scheduleOnly) await runAgentScenarios(stage);
		if (runs('browser') && !triggerOnly && !scheduleOnly) browser = await runBrowserMode(stage, { docsScreenshots: args.has('--docs-screenshots') });
		exitCode = report.failed ? 1 : 0;
	} catch (error) {
		log(`✘ ${error instanceof Error ? error.message : String(error)}`);
	} finally {
		await group.stopAll();
	}

	process.stdout.write(`\nn8n ${N8N_VERSION} end-to-end results\n${report.table()}\n\n`);
	if (browser) process.stdout.write(`In the editor (headless Chromium):\n${[...browser.lines, `screenshots: ${browser.screenshotDir}`].map((line) => `  ${line}`).join('\n')}\n\n`);
	if (exitCode === 0 && !keep) rmSync(runDir, { recursive: true, force: true });
	else log(`logs, databases and videos kept in ${runDir}`);
	log(exitCode === 0 ? 'all passed' : 'FAILED');
	return exitCode;
}

function clock(started: number): string {
	const seconds = Math.floor((Date.now() - started) / 1000);
	return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

main().then(
	(code) => process.exit(code),
	(error: Error) => {
		process.stderr.write(`${error.stack ?? error.message}\n`);
		process.exit(1);
	},
);
