/**
 * From a batch-submit.json run to the trigger executions it caused, and what they must show: one
 * execution per fal job (none lost, none twice), each with its reference, and the video written as
 * `<reference>.mp4`, byte for byte the one the emulator served.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { check, errorText } from './checks';
import type { EmulatorClient } from './emulator';
import { FINISHED_STATES } from './n8n';
import { delay, waitFor } from './processes';
import type { DeliveryCounts } from './report';
import { nodeOutput, type RunRecord } from './run-record';
import { BATCH_START_NODE, referencesOf, SUBMIT_NODE, TRIGGER_NODE, type BatchPlan, type TriggerSite } from './trigger-site';

const MINUTE = 60_000;
/** After the last expected execution, how long a duplicate gets to show up before the count is final. */
const SETTLE_MS = 3_000;

export interface SubmittedJob {
	requestId: string;
	reference: string;
}

/** A trigger execution and the item its trigger put out. */
export interface TriggerRun {
	executionId: string;
	run: RunRecord;
	json: TriggerJson;
	binary?: { id?: string; mimeType?: string; fileName?: string; data?: string };
}

interface TriggerJson {
	requestId?: string;
	status?: string;
	reference?: string;
	video?: { url?: string; contentType?: string; fileName?: string; fileSize?: number };
	receivedAt?: string;
	/** Set when the job failed on fal or the download failed after the acknowledgement. */
	error?: { message?: string; type?: string; fix?: string };
}

/** Runs a batch-submit variant as the editor's "Execute workflow" does; returns the jobs its Submit node started. */
export async function runBatch(site: TriggerSite, emulator: EmulatorClient, workflowId: string, plan: BatchPlan): Promise<SubmittedJob[]> {
	const executionId = String(await site.rest().runManually(workflowId, BATCH_START_NODE));
	let run: RunRecord | undefined;
	await waitFor(`the batch-submit execution ${executionId} to finish`, 3 * MINUTE, async () => {
		run = await site.rest().execution(executionId, site.parseFlatted).catch(() => undefined);
		return run !== undefined && FINISHED_STATES.includes(run.status);
	}, 500);
	check(run?.status === 'success', `The batch-submit execution ${executionId} ended "${run?.status}": ${run ? errorText(run) : ''}`);
	const items = nodeOutput(run, SUBMIT_NODE);
	const references = referencesOf(plan);
	check(items.length === references.length, `${SUBMIT_NODE} output ${items.length} items for ${references.length} rows`);
	const jobs: SubmittedJob[] = [];
	for (const [index, item] of items.entries()) {
		const requestId = item.json.requestId;
		check(typeof requestId === 'string', `${SUBMIT_NODE} item ${index} has no requestId: ${JSON.stringify(item.json).slice(0, 300)}`);
		const webhookUrl = (await emulator.job(requestId))?.webhookUrl;
		check(webhookUrl && webhookUrl.startsWith(`${site.triggerUrl}?`), `Job ${requestId} calls back ${webhookUrl}, not the trigger ${site.triggerUrl}?…`);
		const reference = new URL(webhookUrl).searchParams.get('reference');
		check(reference === references[index], `Job ${requestId} carries the reference ${reference}, the row had ${references[index]}`);
		jobs.push({ requestId, reference });
	}
	return jobs;
}

/** The highest execution id of the trigger workflow so far; later executions belong to what follows. */
export async function lastTriggerExecution(site: TriggerSite): Promise<number> {
	return Math.max(0, ...(await site.rest().executions(site.triggerWorkflowId)).map((execution) => Number(execution.id)));
}

/**
 * Waits until fal's deliveries for these jobs were accepted and as many trigger executions as jobs
 * have finished, gives late duplicates a moment, and loads every trigger execution after `afterId`.
 */
export async function awaitTriggerRuns(site: TriggerSite, emulator: EmulatorClient, jobs: SubmittedJob[], afterId: number, timeoutMs = 3 * MINUTE): Promise<TriggerRun[]> {
	const newExecutions = async () => (await site.rest().executions(site.triggerWorkflowId)).filter((execution) => Number(execution.id) > afterId);
	await waitFor(`${jobs.length} deliveries to be accepted and run`, timeoutMs, async () => {
		for (const job of jobs) {
			const deliveries = await emulator.webhooksFor(job.requestId);
			if (!deliveries.some((delivery) => delivery.status >= 200 && delivery.status < 300)) return false;
		}
		const executions = await newExecutions();
		return executions.length >= jobs.length && executions.every((execution) => FINISHED_STATES.includes(execution.status));
	}, 500);
	await delay(SETTLE_MS);
	await waitFor('the trigger executions to finish', MINUTE, async () => (await newExecutions()).every((execution) => FINISHED_STATES.includes(execution.status)));
	return await loadTriggerRuns(site, (await newExecutions()).map((execution) => execution.id));
}

export async function loadTriggerRuns(site: TriggerSite, executionIds: string[]): Promise<TriggerRun[]> {
	const runs: TriggerRun[] = [];
	for (const executionId of [...executionIds].sort((a, b) => Number(a) - Number(b))) {
		const run = await site.rest().execution(executionId, site.parseFlatted);
		const [item] = nodeOutput(run, TRIGGER_NODE);
		check(item, `Trigger execution ${executionId}: the trigger put out no item`);
		runs.push({ executionId, run, json: item.json as TriggerJson, binary: item.binary?.data });
	}
	return runs;
}

/** The counts of the table, and each job's video checked against the emulator. Throws when anything is off. */
export async function checkTriggerRuns(
	site: TriggerSite,
	emulator: EmulatorClient,
	jobs: SubmittedJob[],
	runs: TriggerRun[],
): Promise<{ counts: DeliveryCounts; videoBytes: number[] }> {
	const byRequest = new Map<string, TriggerRun[]>();
	for (const run of runs) {
		const requestId = String(run.json.requestId);
		byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), run]);
	}
	const strangers = [...byRequest.keys()].filter((requestId) => !jobs.some((job) => job.requestId === requestId));
	const lost = jobs.filter((job) => !byRequest.has(job.requestId));
	const duplicates = [...byRequest.values()].reduce((sum, list) => sum + Math.max(0, list.length - 1), 0);
	const videoBytes: number[] = [];
	const problems: string[] = [];
	for (const job of jobs) {
		const [first] = byRequest.get(job.requestId) ?? [];
		if (!first) continue;
		try {
			videoBytes.push(await checkTriggerVideo(site, emulator, job, first));
		} catch (error) {
			problems.push(error instanceof Error ? error.message : String(error));
		}
	}
	const counts: DeliveryCounts = { submitted: jobs.length, executions: runs.length, intact: videoBytes.length, duplicates, rejected: 0 };
	const summary = `${jobs.length} jobs → ${runs.length} executions, ${videoBytes.length} videos intact, ${lost.length} lost, ${duplicates} duplicated`;
	check(lost.length === 0, `${summary}; no execution for ${lost.map((job) => job.reference).join(', ')}`);
	check(duplicates === 0, `${summary}; twice: ${[...byRequest.entries()].filter(([, list]) => list.length > 1).map(([id, list]) => `${id} (executions ${list.map((run) => run.executionId).join(', ')})`).join('; ')}`);
	check(strangers.length === 0, `${summary}; executions for requests nobody submitted here: ${strangers.join(', ')}`);
	check(problems.length === 0, `${summary}; ${problems.join('; ')}`);
	return { counts, videoBytes };
}

async function checkTriggerVideo(site: TriggerSite, emulator: EmulatorClient, job: SubmittedJob, triggerRun: TriggerRun): Promise<number> {
	const { json, binary, executionId, run } = triggerRun;
	const where = `Execution ${executionId} (${job.reference})`;
	check(run.status === 'success', `${where} ended "${run.status}": ${errorText(run)}`);
	check(json.status === 'OK', `${where}: status is ${json.status}`);
	check(json.error === undefined, `${where}: ${JSON.stringify(json.error)}`);
	check(json.reference === job.reference, `${where}: reference is ${json.reference}`);
	const emulated = await emulator.job(job.requestId);
	check(emulated, `The emulator has no job ${job.requestId}`);
	check(json.video?.fileSize === emulated.videoBytes, `${where}: video.fileSize ${json.video?.fileSize}, fal announced ${emulated.videoBytes}`);
	check(json.video.contentType === 'video/mp4', `${where}: video.contentType ${json.video.contentType}`);
	check(binary?.mimeType === 'video/mp4', `${where}: binary "data" is ${binary?.mimeType ?? 'missing'}`);
	if (site.binaryMode === 'inline') check(binary.id === undefined && typeof binary.data === 'string', `${where}: binary data is ${binary.id}, expected the video inline in the item`);
	else check(binary.id?.startsWith(`${site.binaryMode}:`), `${where}: binary data ${binary.id} is not in ${site.binaryMode} storage`);
	const file = join(site.outputDir, `${job.reference}.mp4`);
	check(existsSync(file), `${where}: ${file} was not written`);
	const bytes = statSync(file).size;
	check(bytes === emulated.videoBytes, `${file}: ${bytes} bytes, the emulator served ${emulated.videoBytes}`);
	check((await sha256Of(file)) === (await emulator.videoSha256(job.requestId)), `${file}: SHA-256 differs from the video the emulator served`);
	return bytes;
}

/** Streamed: the acknowledgement scenario writes a 512 MiB video. */
async function sha256Of(file: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}
