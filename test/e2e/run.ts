/**
 * `npm run e2e`: this package, packed and installed like a community package, inside a real n8n
 * (Node 24) against the local fal emulator, in regular mode and in queue mode, and its editor driven
 * by headless Chromium (browser/). Prints one table and exits non-zero on any failure. Nothing is
 * contacted beyond 127.0.0.1 except the package registry, for the first install of Node 24 and n8n
 * into the cache folder.
 *
 * By default on both ends of the supported range (config.ts): everything on the newest n8n; on the
 * oldest, regular mode (the examples, a stop that cancels its job, Retry On Fail), Submit → Trigger and
 * the scheduled batch (regular and queue mode).
 *
 *   npm run e2e [-- --n8n <version> | newest | oldest] [-- --regular-only | --queue-only | --browser-only | --agent-only] [-- --trigger-only] [-- --schedule-only] [-- --keep] [-- --docs-screenshots]
 *   (--trigger-only: only the Stable Avatar Trigger's scenarios, in the modes chosen)
 *   (--docs-screenshots: copy the README's screenshots from this run into docs/screenshots/)
 *   E2E_CACHE_DIR=…   cache folder (default ${XDG_CACHE_HOME:-~/.cache}/n8n-nodes-stable-avatar)
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runAgentScenarios } from './agent/agent-scenarios';
import { runBrowserMode, type BrowserRunSummary } from './browser/browser-mode';
import { N8N_VERSIONS } from './config';
import { startEmulator } from './emulator';
import { buildAndPack } from './package';
import { ProcessGroup, stopOnExit } from './processes';
import { runQueueMode } from './queue-mode';
import { runRegularMode } from './regular-mode';
import { runRegularTrigger } from './trigger-regular';
import { runScheduleScenarios } from './schedule';
import { Report } from './report';
import { ensureToolchain } from './toolchain';
import { serveSampleInputsFrom } from './workflows';

/** Long enough that the two jobs of a batch are visibly in flight together, short enough to keep the run quick. */
const EMULATED_JOB_MS = 1500;
/**
 * Waits before each retry of a failed webhook delivery. fal retries 10 times over 2 hours, backing
 * off; the same shape, capped at 30 s, spans 3 minutes: more than n8n needs to restart here.
 */
const WEBHOOK_RETRY_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000, 30_000, 30_000];

async function main(): Promise<number> {
	const argv = process.argv.slice(2);
	const args = new Set(argv);
	const versions = chosenVersions(argv);
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
	const only = ['regular', 'queue', 'browser', 'agent'].find((mode) => args.has(`--${mode}-only`));
	const triggerOnly = args.has('--trigger-only');
	// --schedule-only: only scheduled-batch.json (Once Per Key under a real Schedule Trigger), in the modes chosen.
	const scheduleOnly = args.has('--schedule-only');
	const results: VersionResult[] = [];
	try {
		log('building and packing the package…');
		const tarball = await buildAndPack(group, runDir);
		for (const version of versions) {
			// The newest runs everything; the oldest what differs by version (regular mode, the trigger, the schedule).
			const newest = version === N8N_VERSIONS.newest;
			const runs = (mode: string) => (!only || only === mode) && (newest || mode === 'regular');
			const report = new Report(log);
			const result: VersionResult = { version, report };
			results.push(result);
			log(`== n8n ${version}`);
			try {
				const toolchain = await ensureToolchain(group, log, version);
				const versionDir = join(runDir, `n8n-${version}`);
				mkdirSync(versionDir, { recursive: true });
				// An emulator per version: scenarios find their jobs by prompt, and each version starts from none.
				const { client: emulator } = await startEmulator(group, versionDir, { runMs: EMULATED_JOB_MS, webhookRetryMs: WEBHOOK_RETRY_MS });
				log(`fal emulator on ${emulator.url}`);
				serveSampleInputsFrom(emulator.url);
				const stage = { group, toolchain, tarball, emulator, report, runDir: versionDir, log };
				if (runs('regular') && !scheduleOnly) {
					if (!triggerOnly) await runRegularMode(stage);
					await runRegularTrigger(stage, { everything: newest });
				}
				if (runs('queue') && !scheduleOnly) await runQueueMode(stage, { triggerOnly });
				// Once Per Key's promise spans the range: the scheduled batch runs in both modes on both versions.
				if (!triggerOnly) await runScheduleScenarios(stage, { regular: !only || only === 'regular', queue: !only || only === 'queue' });
				if (runs('agent') && !triggerOnly && !scheduleOnly) await runAgentScenarios(stage);
				if (runs('browser') && !triggerOnly && !scheduleOnly) result.browser = await runBrowserMode(stage, { docsScreenshots: args.has('--docs-screenshots') });
			} catch (error) {
				report.setupFailed(`n8n ${version}`, error);
			} finally {
				await group.stopAll();
			}
		}
	} catch (error) {
		log(`✘ ${error instanceof Error ? error.message : String(error)}`);
		results.push({ version: 'setup', report: failedReport(log, error) });
	} finally {
		await group.stopAll();
	}

	for (const { version, report, browser } of results) {
		process.stdout.write(`\nn8n ${version} end-to-end results\n${report.table()}\n\n`);
		if (browser) process.stdout.write(`In the editor (headless Chromium):\n${[...browser.lines, `screenshots: ${browser.screenshotDir}`].map((line) => `  ${line}`).join('\n')}\n\n`);
	}
	for (const { version, report } of results) process.stdout.write(`n8n ${version}: ${report.summary()}\n`);
	const failed = results.length === 0 || results.some((result) => result.report.failed);
	if (!failed && !keep) rmSync(runDir, { recursive: true, force: true });
	else log(`logs, databases and videos kept in ${runDir}`);
	log(failed ? 'FAILED' : 'all passed');
	return failed ? 1 : 0;
}

interface VersionResult {
	version: string;
	report: Report;
	browser?: BrowserRunSummary;
}

/** `--n8n <version>` (or `newest` / `oldest`): one version; by default both ends of the range. */
function chosenVersions(argv: string[]): string[] {
	const index = argv.indexOf('--n8n');
	if (index < 0) return [N8N_VERSIONS.newest, N8N_VERSIONS.oldest];
	const value = argv[index + 1];
	if (!value || value.startsWith('--')) throw new Error('--n8n needs a version: newest, oldest or e.g. 1.123.81');
	return [value in N8N_VERSIONS ? N8N_VERSIONS[value as keyof typeof N8N_VERSIONS] : value];
}

function failedReport(log: (line: string) => void, error: unknown): Report {
	const report = new Report(log);
	report.setupFailed('e2e', error);
	return report;
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
