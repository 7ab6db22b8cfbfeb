/**
 * Queue mode, n8n's way to scale: a main process takes the webhook call and puts the execution on a
 * Redis queue, a separate worker (its own user folder and package install, as on another machine)
 * runs it, PostgreSQL holds executions and, in queue mode's default, the binary data.
 *
 * The submit-wait example runs here too, started like the editor's "Execute workflow" button (REST
 * API): the worker submits the job and lets go of the execution at the Wait node; fal's webhook (the
 * emulator's) reaches the main process, which queues the rest of the run for the worker.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { sampleUrl } from '../emulator/samples';
import { check, checkFalFailure, checkVideos, ranAtOnce, type SavedVideo } from './checks';
import type { EmulatorClient } from './emulator';
import { waitFor } from './processes';
import { setUpQueueMode, type QueueSetup } from './queue-setup';
import type { ScenarioResult } from './report';
import { nodeOutput, type RunRecord } from './run-record';
import type { Postgres } from './services';
import type { Stage } from './stage';
import { QUEUE_PLANS, runQueueTrigger } from './queue-trigger';
import { EXAMPLES, SUBMIT_WAIT_FAILING_PROMPT, WEBHOOK_AUTH } from './workflows';

const MODE = 'queue';
const MINUTE = 60_000;
const FINISHED = ['success', 'error', 'crashed', 'canceled'];
/** Node names in submit-wait-webhook.json. */
const SUBMIT_NODE = 'Submit to fal';
const WAIT_NODE = 'Wait for fal';
const RESULT_NODE = 'Get result';
/** Inputs in the webhook's body; the emulator does not fetch them. */
/** A video of a realistic size, held in memory by the database binary mode. */
const LARGE_VIDEO_PROMPT = 'A person speaks calmly. [emulator:video-bytes=33554432]';

/** One entry of the webhook body's `jobs`; without a prompt, the workflow's default prompt applies. */
interface WebhookJob {
	name: string;
	prompt?: string;
}

/** `triggerOnly`: only the trigger scenarios (queue-trigger.ts), for working on them. */
export async function runQueueMode(stage: Stage, options: { triggerOnly?: boolean } = {}): Promise<void> {
	let setup: QueueSetup;
	try {
		setup = await setUpQueueMode(stage, Object.values(QUEUE_PLANS));
	} catch (error) {
		stage.report.setupFailed(MODE, error);
		return;
	}
	if (!options.triggerOnly) await runWebhookAndWaitScenarios(stage, setup);
	await runQueueTrigger(stage, setup);
}

async function runWebhookAndWaitScenarios(stage: Stage, setup: QueueSetup): Promise<void> {
	await stage.report.scenario(MODE, `${EXAMPLES.webhook} (1 job)`, async (): Promise<ScenarioResult> => {
		const { run, videos, note } = await callAndCheck(stage, setup, [{ name: 'queue-single', prompt: LARGE_VIDEO_PROMPT }]);
		return { status: run.status, videoBytes: videos.map((video) => video.bytes), note: `${note} (32 MiB)` };
	});

	await stage.report.scenario(MODE, `${EXAMPLES.webhook} (2 jobs in one call)`, async (): Promise<ScenarioResult> => {
		const { run, videos, note } = await callAndCheck(stage, setup, [{ name: 'queue-batch-1' }, { name: 'queue-batch-2' }]);
		const overlap = await overlapSeconds(stage.emulator, videos);
		return { status: run.status, videoBytes: videos.map((video) => video.bytes), note: `${note}; both jobs IN_PROGRESS at once for ${overlap} s` };
	});

	await stage.report.scenario(MODE, `${EXAMPLES.submitWait} (manual run, fal's webhook resumes)`, async (): Promise<ScenarioResult> => {
		const resumed = await runUntilResumed(stage, setup, setup.submitWait.id);
		const video = await checkResumedVideo(stage, setup, resumed);
		return { status: resumed.run.status, videoBytes: [video.bytes], note: resumed.note };
	});

	await stage.report.scenario(MODE, `${EXAMPLES.submitWait} (job fails on fal)`, async (): Promise<ScenarioResult> => {
		const resumed = await runUntilResumed(stage, setup, setup.submitWait.failingId);
		check(resumed.webhookBody.status === 'ERROR', `fal's webhook said ${String(resumed.webhookBody.status)}, expected ERROR`);
		const error = await checkFalFailure(resumed.run, stage.emulator, SUBMIT_WAIT_FAILING_PROMPT, 'runner_server_error');
		const resultRuns = resumed.run.data.resultData.runData[RESULT_NODE] ?? [];
		check(resultRuns.at(-1)?.executionStatus === 'error', `The failure did not come from ${RESULT_NODE}`);
		return { status: resumed.run.status, note: `webhook said ERROR; ${RESULT_NODE} reported "${error.split(' — ')[0]}" with the request id` };
	});
}

/** A submit-wait execution after fal's webhook resumed it and it finished. */
interface ResumedRun {
	executionId: number;
	run: RunRecord;
	requestId: string;
	/** The resume URL the Submit node handed fal. */
	webhookUrl: string;
	webhookBody: { request_id?: string; status?: string };
	note: string;
}

/**
 * Runs a submit-wait workflow as the editor's "Execute workflow" button does, and checks what makes it
 * worth having: the execution sits in `waiting` with no worker on it while the job renders, fal's
 * webhook reaches this execution's resume URL, and the worker picks the execution up again.
 */
async function runUntilResumed(stage: Stage, setup: QueueSetup, workflowId: string): Promise<ResumedRun> {
	const { emulator } = stage;
	const executionId = await setup.rest.runManually(workflowId, 'Run');
	const resumeUrl = `${setup.baseUrl}/webhook-waiting/${executionId}`;
	const statusOf = async () => (await setup.postgres.query(`SELECT status FROM execution_entity WHERE id = ${executionId}`)).trim();

	let parked: { requestId: string; webhookUrl: string; jobStatus: string } | undefined;
	await waitFor(`execution ${executionId} to wait for fal's webhook`, MINUTE, async () => {
		const status = await statusOf();
		check(!FINISHED.includes(status), `Execution ${executionId} ended "${status}" without waiting for fal's webhook`);
		if (status !== 'waiting') return false;
		const job = (await emulator.jobs()).find((entry) => entry.webhookUrl?.startsWith(`${resumeUrl}?`));
		check(job?.webhookUrl, `Execution ${executionId} waits, but the emulator has no job with the webhook ${resumeUrl}?…`);
		parked = { requestId: job.requestId, webhookUrl: job.webhookUrl, jobStatus: job.status };
		return true;
	}, 100);
	check(parked, `Execution ${executionId} never waited`);
	check(parked.jobStatus !== 'COMPLETED', `Execution ${executionId} was seen waiting only after the fal job had completed`);
	stage.log(`  execution ${executionId} waits; fal will call ${parked.webhookUrl.replace(/signature=[^&]+/, 'signature=…')}`);

	await waitFor(`execution ${executionId} to finish after fal's webhook`, 3 * MINUTE, async () => FINISHED.includes(await statusOf()), 250);
	const run = await loadRun(stage, setup.postgres, executionId);

	const submitted = nodeOutput(run, SUBMIT_NODE)[0]?.json ?? {};
	check(submitted.requestId === parked.requestId, `${SUBMIT_NODE} output request ${String(submitted.requestId)}, the emulator got ${parked.requestId}`);
	check(submitted.webhookUrl === parked.webhookUrl, `${SUBMIT_NODE} output the webhook ${String(submitted.webhookUrl)}, fal got ${parked.webhookUrl}`);

	const deliveries = (await emulator.webhooks()).filter((delivery) => delivery.url === parked?.webhookUrl);
	const accepted = deliveries.find((delivery) => delivery.status >= 200 && delivery.status < 300);
	check(accepted, `n8n did not accept fal's webhook: attempts answered ${deliveries.map((delivery) => delivery.status).join(', ') || 'none'}`);
	const webhookBody = accepted.body as ResumedRun['webhookBody'];
	check(webhookBody.request_id === parked.requestId, `fal's webhook named request ${String(webhookBody.request_id)}, not ${parked.requestId}`);
	const resumedWith = nodeOutput(run, WAIT_NODE)[0]?.json.body as { request_id?: string } | undefined;
	check(resumedWith?.request_id === parked.requestId, `${WAIT_NODE} resumed with ${JSON.stringify(resumedWith).slice(0, 300)}`);

	// Two queue jobs for one execution: up to the Wait node, then from the webhook on.
	const workerLog = setup.workersOutput();
	const jobs = [...workerLog.matchAll(new RegExp(`Worker started execution ${executionId} \\(job (\\d+)\\)`, 'g'))].map((match) => match[1]);
	check(jobs.length === 2, `The workers started execution ${executionId} ${jobs.length} times, expected 2 (before and after the Wait node)`);
	check(workerLog.includes(`Worker finished execution ${executionId} (job ${jobs[0]})`), `No worker let go of execution ${executionId} at the Wait node`);

	const attempt = deliveries.length === 1 ? 'first webhook call' : `webhook call ${deliveries.indexOf(accepted) + 1} of ${deliveries.length}`;
	return {
		executionId,
		run,
		requestId: parked.requestId,
		webhookUrl: parked.webhookUrl,
		webhookBody,
		note: `execution ${executionId} sat "waiting" with no worker while the job was ${parked.jobStatus}; fal's ${attempt} (HTTP ${accepted.status}) resumed it on a worker`,
	};
}

/** The video Get Result fetched after the webhook: the one the emulator served, saved intact. */
async function checkResumedVideo(stage: Stage, setup: QueueSetup, resumed: ResumedRun): Promise<SavedVideo> {
	check(resumed.webhookBody.status === 'OK', `fal's webhook said ${String(resumed.webhookBody.status)}, expected OK`);
	const [video] = await checkVideos(resumed.run, stage.emulator, {
		count: 1,
		outputDir: setup.outputDir,
		binaryMode: 'database',
		videoNode: { name: RESULT_NODE, operation: 'getResult' },
	});
	check(video.requestId === resumed.requestId, `${RESULT_NODE} fetched ${video.requestId}, Submit started ${resumed.requestId}`);
	return video;
}

async function callAndCheck(stage: Stage, setup: QueueSetup, webhookJobs: WebhookJob[]): Promise<{ run: RunRecord; videos: SavedVideo[]; note: string }> {
	const before = Number(await setup.postgres.query('SELECT COALESCE(MAX(id), 0) FROM execution_entity'));
	const jobs = webhookJobs.map((job) => ({ ...job, imageUrl: sampleUrl(stage.emulator.url, 'portrait.png'), audioUrl: sampleUrl(stage.emulator.url, 'speech.mp3') }));
	const response = await fetch(setup.webhookUrl, {
		method: 'POST',
		headers: { 'content-type': 'application/json', [WEBHOOK_AUTH.header]: WEBHOOK_AUTH.value },
		body: JSON.stringify({ jobs }),
		signal: AbortSignal.timeout(30_000),
	});
	const answer = await response.text();
	check(response.ok, `The webhook answered ${response.status}: ${answer}`);

	const executionId = await waitForExecution(setup, before);
	const run = await loadRun(stage, setup.postgres, executionId);
	const videos = await checkVideos(run, stage.emulator, { count: jobs.length, outputDir: setup.outputDir, binaryMode: 'database' });
	check(setup.main.output().includes(`Enqueued execution ${executionId} `), `n8n main did not enqueue execution ${executionId}`);
	check(setup.workersOutput().includes(`Worker started execution ${executionId} `), `No worker ran execution ${executionId}`);
	return { run, videos, note: `execution ${executionId} ran on a worker; binary data in the database` };
}

async function waitForExecution(setup: QueueSetup, after: number): Promise<number> {
	let executionId = 0;
	const sql = `SELECT id, status FROM execution_entity WHERE id > ${after} AND "workflowId" = '${setup.workflowId}' ORDER BY id LIMIT 1`;
	await waitFor('the webhook execution to finish', 3 * MINUTE, async () => {
		const [id, status] = (await setup.postgres.query(sql)).trim().split('|');
		executionId = Number(id);
		return FINISHED.includes(status);
	}, 500);
	return executionId;
}

/** n8n stores run data serialized with `flatted`; read it with the copy n8n itself uses. */
async function loadRun(stage: Stage, postgres: Postgres, executionId: number): Promise<RunRecord> {
	const status = (await postgres.query(`SELECT status FROM execution_entity WHERE id = ${executionId}`)).trim();
	const stored = await postgres.query(`SELECT data FROM execution_data WHERE "executionId" = ${executionId}`);
	const flatted = createRequire(join(stage.toolchain.n8nPackageDir, 'package.json'))('flatted') as { parse(text: string): RunRecord['data'] };
	return { status, data: flatted.parse(stored.trim()) };
}

async function overlapSeconds(emulator: EmulatorClient, videos: SavedVideo[]): Promise<string> {
	const jobs = await Promise.all(videos.map((video) => emulator.job(video.requestId)));
	const timings = jobs.map((job) => ({ startedAt: job?.startedAt, completedAt: job?.completedAt }));
	check(ranAtOnce(timings), `The jobs ran one after another: ${JSON.stringify(timings)}`);
	const overlap = Math.min(...timings.map((t) => t.completedAt ?? 0)) - Math.max(...timings.map((t) => t.startedAt ?? 0));
	return (overlap / 1000).toFixed(1);
}
