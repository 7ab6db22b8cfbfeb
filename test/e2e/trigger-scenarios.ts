/**
 * The Stable Avatar Trigger's scenarios, run the same way in regular and in queue mode: a batch of
 * jobs turns into one execution per job; forged, stale and unsigned deliveries are refused; a delivery
 * sent twice runs once; n8n stopped while jobs render still gets every video (fal's retries); a huge
 * video's delivery is acknowledged before the download.
 */
import type { EmulatorClient, Redelivery } from './emulator';
import { check } from './checks';
import { waitFor, delay } from './processes';
import type { ScenarioResult } from './report';
import type { Stage } from './stage';
import { awaitTriggerRuns, checkTriggerRuns, lastTriggerExecution, loadTriggerRuns, runBatch, type SubmittedJob } from './trigger-deliveries';
import type { BatchPlan, TriggerSite } from './trigger-site';

const MINUTE = 60_000;
const SETTLE_MS = 3_000;
const REFUSED: Redelivery[] = ['forged', 'stale', 'unsigned'];

/** A batch-submit variant imported into the site, by the plan it was made from. */
export interface ImportedBatch {
	workflowId: string;
	plan: BatchPlan;
}

export interface BatchOutcome {
	jobs: SubmittedJob[];
	result: ScenarioResult;
}

/** One execution of batch-submit.json → one trigger execution per job, each with its own video. */
export async function batchScenario(stage: Stage, site: TriggerSite, batch: ImportedBatch): Promise<BatchOutcome> {
	const before = await lastTriggerExecution(site);
	const jobs = await runBatch(site, stage.emulator, batch.workflowId, batch.plan);
	const runs = await awaitTriggerRuns(site, stage.emulator, jobs, before);
	const { counts, videoBytes } = await checkTriggerRuns(site, stage.emulator, jobs, runs);
	const notes = [`one batch-submit execution, ${jobs.length} trigger executions, files named by reference`];
	if (site.workerOf) {
		const perWorker = new Map<string, number>();
		for (const run of runs) {
			const worker = site.workerOf(run.executionId) ?? 'no worker';
			perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
		}
		const spread = [...perWorker.entries()].sort().map(([worker, count]) => `${worker} ${count}`).join(', ');
		check(!perWorker.has('no worker'), `Some trigger executions ran on no worker: ${spread}`);
		check(perWorker.size >= 2, `All trigger executions ran on one worker: ${spread}`);
		notes.push(`ran on ${spread}`);
	}
	return { jobs, result: { status: 'success', videoBytes, deliveries: counts, note: notes.join('; ') } };
}

/** Deliveries with a wrong signature, a stale timestamp and none at all are answered 401 and start nothing. */
export async function refusedScenario(stage: Stage, site: TriggerSite, job: SubmittedJob): Promise<ScenarioResult> {
	const before = await lastTriggerExecution(site);
	const answers: string[] = [];
	let rejected = 0;
	for (const variant of REFUSED) {
		const status = await stage.emulator.redeliver(job.requestId, variant);
		answers.push(`${variant} ${status}`);
		if (status === 401) rejected++;
	}
	await delay(SETTLE_MS);
	const started = (await lastTriggerExecution(site)) - before;
	check(rejected === REFUSED.length, `Answers: ${answers.join(', ')}; expected 401 for each`);
	check(started === 0, `${started} executions started after refused deliveries`);
	return {
		status: 'none started',
		deliveries: { submitted: 0, executions: started, intact: 0, duplicates: 0, rejected },
		note: `${answers.join(', ')}; no execution started`,
	};
}

/** fal's retry after a lost answer: the same delivery again is acknowledged and runs nothing a second time. */
export async function duplicateScenario(stage: Stage, site: TriggerSite, job: SubmittedJob): Promise<ScenarioResult> {
	const before = await lastTriggerExecution(site);
	const status = await stage.emulator.redeliver(job.requestId, 'again');
	await delay(SETTLE_MS);
	const all = await site.rest().executions(site.triggerWorkflowId);
	const runs = await loadTriggerRuns(site, all.map((execution) => execution.id));
	const forJob = runs.filter((run) => run.json.requestId === job.requestId);
	const started = all.filter((execution) => Number(execution.id) > before).length;
	check(status >= 200 && status < 300, `The repeated delivery was answered ${status}; fal would retry it`);
	check(forJob.length === 1, `${forJob.length} executions for ${job.requestId} after the delivery came twice`);
	return {
		status: 'success',
		deliveries: { submitted: 0, executions: started, intact: 0, duplicates: forJob.length - 1, rejected: 0 },
		note: `the same delivery again → HTTP ${status}, still 1 execution for ${job.reference}`,
	};
}

/**
 * n8n stops (SIGTERM, every process) while the jobs render; the jobs finish while it is down, fal's
 * deliveries fail and are retried; n8n starts again and every video arrives, none twice.
 */
export async function restartScenario(stage: Stage, site: TriggerSite, batch: ImportedBatch): Promise<ScenarioResult> {
	const { emulator, log } = stage;
	const before = await lastTriggerExecution(site);
	const jobs = await runBatch(site, emulator, batch.workflowId, batch.plan);
	const stopStarted = Date.now();
	await site.stop();
	const stoppedAt = Date.now();
	const rendering = await statuses(emulator, jobs);
	log(`  n8n stopped (SIGTERM) in ${seconds(Date.now() - stopStarted)} s; jobs: ${rendering.join(', ')}`);
	check(rendering.every((status) => status !== 'COMPLETED'), `A job completed before n8n was down (${rendering.join(', ')}): lengthen its run`);

	// Every job finishes and fails its first delivery while n8n is down.
	await waitFor('the jobs to finish and fail a delivery while n8n is down', 3 * MINUTE, async () => {
		for (const job of jobs) {
			const deliveries = await emulator.webhooksFor(job.requestId);
			if (!deliveries.some((delivery) => delivery.status === 0)) return false;
		}
		return true;
	}, 500);
	await site.start();
	const downMs = Date.now() - stopStarted;
	log(`  n8n up again after ${seconds(downMs)} s down`);
	const runs = await awaitTriggerRuns(site, emulator, jobs, before, 5 * MINUTE);
	const { counts, videoBytes } = await checkTriggerRuns(site, emulator, jobs, runs);
	const attempts: number[] = [];
	for (const job of jobs) {
		const deliveries = await emulator.webhooksFor(job.requestId);
		const accepted = deliveries.find((delivery) => delivery.status >= 200 && delivery.status < 300);
		check((accepted?.sentAt ?? 0) > stoppedAt, `${job.reference}: its delivery was accepted before n8n went down, so the restart proved nothing`);
		attempts.push(deliveries.length);
	}
	return {
		status: 'success',
		videoBytes,
		deliveries: counts,
		note: `stopped while ${rendering.length} jobs rendered, n8n down ${seconds(downMs)} s; fal's deliveries tried ${attempts.join(', ')} times, the last accepted after the restart`,
	};
}

/** A delivery for a huge video: the time from the emulator's POST to n8n's answer, and the video intact. */
export async function acknowledgementScenario(stage: Stage, site: TriggerSite, batch: ImportedBatch): Promise<ScenarioResult> {
	const before = await lastTriggerExecution(site);
	const jobs = await runBatch(site, stage.emulator, batch.workflowId, batch.plan);
	const runs = await awaitTriggerRuns(site, stage.emulator, jobs, before, 10 * MINUTE);
	const { counts, videoBytes } = await checkTriggerRuns(site, stage.emulator, jobs, runs);
	const acknowledged = (await stage.emulator.webhooksFor(jobs[0].requestId)).find((delivery) => delivery.status >= 200 && delivery.status < 300);
	const timing = acknowledged;
	check(typeof timing?.sentAt === 'number' && typeof timing.answeredAt === 'number', 'The emulator recorded no timing for the delivery');
	const download = (await stage.emulator.requestLog()).find((entry) => entry.route === 'cdn' && entry.requestId === jobs[0].requestId && entry.method === 'GET');
	check(download, `The trigger never downloaded the video of ${jobs[0].requestId}`);
	const ackMs = timing.answeredAt - timing.sentAt;
	const downloadAfterMs = download.time - timing.answeredAt;
	stage.log(`  acknowledgement: ${ackMs} ms for the delivery of a ${mebibytes(videoBytes[0])} MiB video; the download started ${downloadAfterMs} ms after the answer`);
	return {
		status: 'success',
		videoBytes,
		deliveries: counts,
		note: `delivery answered ${acknowledged?.status} in ${ackMs} ms (sent → answer); the ${mebibytes(videoBytes[0])} MiB download started ${downloadAfterMs} ms after the answer`,
	};
}

async function statuses(emulator: EmulatorClient, jobs: SubmittedJob[]): Promise<string[]> {
	return await Promise.all(jobs.map(async (job) => (await emulator.job(job.requestId))?.status ?? 'unknown'));
}

function seconds(ms: number): string {
	return (ms / 1000).toFixed(1);
}

function mebibytes(bytes: number): number {
	return Math.round(bytes / 1024 / 1024);
}
