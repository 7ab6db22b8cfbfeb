/**
 * Regular mode with a running n8n (`n8n start`, SQLite, binary data on the filesystem):
 * on-video-finished.json published, batch-submit.json run from the REST API as the editor runs it,
 * fal's deliveries coming from the emulator over HTTP.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IWorkflowBase } from 'n8n-workflow';

import { ASSETS_DIR } from './config';
import { flattedParser, n8nEnv, N8nCli, N8nRest, ownerEnv, ownerReady, startMain, type Owner } from './n8n';
import { installIntoUserFolder } from './package';
import { freePort, type ManagedProcess } from './processes';
import type { Stage } from './stage';
import { batchWorkflow, RESTART_RUN_MS, triggerUrlOf, triggerWorkflow, waitForTrigger, type BatchPlan, type TriggerSite } from './trigger-site';
import { acknowledgementScenario, batchScenario, duplicateScenario, refusedScenario, restartScenario, type ImportedBatch } from './trigger-scenarios';
import { runTriggerSecurity } from './trigger-security';
import { stopScenario, stopWorkflow } from './stop-and-retry';
import { falCredential } from './workflows';

const MODE = 'regular (n8n start)';
/** n8n 1.x's owner setup asks for a digit and a capital letter. */
const OWNER: Owner = { email: 'owner@example.com', password: 'Stable-avatar-e2e-1' };
/** n8n's graceful shutdown waits up to 30 s for running executions; give it that and a margin before SIGKILL. */
const SHUTDOWN_MS = 45_000;

/** The acknowledgement scenario's video: 512 MiB, in filesystem binary mode (database mode buffers it whole). */
const HUGE_VIDEO_BYTES = 512 * 1024 * 1024;
const STOP_MARKER = 'stopped-by-the-editor';

const PLANS = {
	five: { key: 'five', idPrefix: 'regular-batch', count: 5 },
	twenty: { key: 'twenty', idPrefix: 'regular-twenty', count: 20 },
	restart: { key: 'restart', idPrefix: 'regular-restart', count: 3, prompt: `A person speaks calmly. [emulator:run=${RESTART_RUN_MS}]` },
	huge: { key: 'huge', idPrefix: 'regular-512mib', count: 1, prompt: `A person speaks calmly. [emulator:video-bytes=${HUGE_VIDEO_BYTES}]` },
} satisfies Record<string, BatchPlan>;

/** `everything: false` (the oldest n8n): the deliveries, not the restart, the 512 MiB video or the security scenarios. */
export async function runRegularTrigger(stage: Stage, { everything }: { everything: boolean }): Promise<void> {
	const { report, group, toolchain } = stage;
	const dir = join(stage.runDir, 'regular-start');
	const userFolder = join(dir, 'n8n');
	const outputDir = join(dir, 'videos');
	for (const folder of [userFolder, outputDir]) mkdirSync(folder, { recursive: true });

	let site: TriggerSite;
	let stopped: IWorkflowBase;
	let batches: Record<keyof typeof PLANS, ImportedBatch>;
	try {
		await installIntoUserFolder(group, toolchain, stage.tarball, userFolder);
		const port = await freePort();
		const baseUrl = `http://127.0.0.1:${port}`;
		const env = n8nEnv(toolchain, {
			userFolder,
			fileAccessDirs: [outputDir],
			brokerPort: await freePort(),
			port,
			// fal calls back the URL Submit hands it, which n8n builds from WEBHOOK_URL.
			extra: { WEBHOOK_URL: `${baseUrl}/`, ...ownerEnv(toolchain, OWNER) },
		});
		const trigger = triggerWorkflow(outputDir);
		// n8n may read files only from the folders it is given: the speech sits next to the videos.
		const speechFile = join(outputDir, 'speech.mp3');
		copyFileSync(join(ASSETS_DIR, 'speech.mp3'), speechFile);
		stopped = stopWorkflow({ speechFile, outputFolder: outputDir }, STOP_MARKER);
		const triggerUrl = triggerUrlOf(trigger, baseUrl);
		const variants = Object.values(PLANS).map((plan) => ({ plan, workflow: batchWorkflow(plan, triggerUrl) }));
		const cli = new N8nCli(group, toolchain, env, dir);
		await cli.importCredentials([falCredential(stage.emulator.url)]);
		await cli.importWorkflows([trigger, stopped, ...variants.map((variant) => variant.workflow)]);
		await cli.publishWorkflow(trigger.id as string);
		batches = Object.fromEntries(variants.map(({ plan, workflow }) => [plan.key, { plan, workflowId: workflow.id as string }])) as typeof batches;

		let main: ManagedProcess | undefined;
		let rest: N8nRest | undefined;
		const start = async () => {
			main = await startMain(group, toolchain, env, join(dir, 'n8n-main.log'));
			await ownerReady(toolchain, baseUrl, OWNER);
			await waitForTrigger(triggerUrl);
			rest = await N8nRest.login(baseUrl, OWNER, toolchain.n8nMajor);
		};
		site = {
			mode: MODE,
			triggerUrl,
			outputDir,
			// n8n 1.x would delete videos stored before their executions exist: the trigger hands them over inline there.
			binaryMode: toolchain.n8nMajor === 1 ? 'inline' : 'filesystem-v2',
			triggerWorkflowId: trigger.id as string,
			rest: () => {
				if (!rest) throw new Error('n8n is not running');
				return rest;
			},
			parseFlatted: flattedParser(toolchain),
			stop: async () => {
				rest = undefined;
				await main?.stop(SHUTDOWN_MS);
			},
			start,
		};
		await start();
		stage.log(`  n8n main on ${baseUrl}; the trigger listens on ${triggerUrl}`);
	} catch (error) {
		report.setupFailed(MODE, error);
		return;
	}

	let delivered: Awaited<ReturnType<typeof batchScenario>> | undefined;
	await report.scenario(MODE, 'batch-submit.json → on-video-finished.json (5 jobs)', async () => {
		delivered = await batchScenario(stage, site, batches.five);
		return delivered.result;
	});
	const oneJob = () => {
		if (!delivered?.jobs[0]) throw new Error('Needs a delivered job from the 5-job batch, which failed');
		return delivered.jobs[0];
	};
	await report.scenario(MODE, 'batch-submit.json → on-video-finished.json (20 jobs at once)', async () => (await batchScenario(stage, site, batches.twenty)).result);
	await report.scenario(MODE, 'forged, stale and unsigned deliveries', async () => await refusedScenario(stage, site, oneJob()));
	await report.scenario(MODE, 'the same delivery twice', async () => await duplicateScenario(stage, site, oneJob()));
	await report.scenario(MODE, 'speech-to-avatar.json (stopped from the editor while fal renders)', async () => await stopScenario(site.rest(), stage.emulator, stopped, STOP_MARKER));
	if (everything) {
		await report.scenario(MODE, `n8n stopped (SIGTERM) while ${PLANS.restart.count} jobs render`, async () => await restartScenario(stage, site, batches.restart));
		await report.scenario(MODE, 'acknowledgement of a 512 MiB video', async () => await acknowledgementScenario(stage, site, batches.huge));
		await runTriggerSecurity(stage, site, MODE);
	}
	await site.stop();
}
