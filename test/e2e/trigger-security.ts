/**
 * The trigger lets in only the credential's own fal jobs, and runs each once, in regular and in queue
 * mode: a stranger's job (another fal account, signed by fal) sent to the trigger's URL, even with a
 * reference copied from ours, is refused and starts nothing; a reference with `..` is refused;
 * 10 and 40 deliveries arriving together, n8n restarted, the same deliveries again → no second run.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { check } from './checks';
import { EMULATOR_API_KEY, STRANGER_API_KEY } from './config';
import type { EmulatorClient } from './emulator';
import { delay, waitFor } from './processes';
import type { ScenarioResult } from './report';
import type { Stage } from './stage';
import { awaitTriggerRuns, checkTriggerRuns, lastTriggerExecution, loadTriggerRuns, type SubmittedJob } from './trigger-deliveries';
import type { TriggerSite } from './trigger-site';

const MINUTE = 60_000;
const SETTLE_MS = 3_000;

export async function runTriggerSecurity(stage: Stage, site: TriggerSite, mode: string): Promise<void> {
	const { report } = stage;
	await report.scenario(mode, "another fal account's signed jobs sent to the trigger (one with our reference)", async () => await strangerScenario(stage, site));
	await report.scenario(mode, 'a delivery whose reference is ../escaped', async () => await dotDotScenario(stage, site));
	for (const count of [10, 40]) {
		await report.scenario(mode, `${count} deliveries at once, n8n restarted, the same ${count} again`, async () => await concurrentDuplicatesScenario(stage, site, count));
	}
}

async function strangerScenario(stage: Stage, site: TriggerSite): Promise<ScenarioResult> {
	const before = await lastTriggerExecution(site);
	const plain = await submitJob(stage.emulator, STRANGER_API_KEY, site.triggerUrl);
	const copied = await submitJob(stage.emulator, STRANGER_API_KEY, `${site.triggerUrl}?reference=stranger-copy`);
	const answers = [...(await answeredDeliveries(stage.emulator, plain)), ...(await answeredDeliveries(stage.emulator, copied))];
	await delay(SETTLE_MS);
	const started = (await lastTriggerExecution(site)) - before;
	check(answers.length > 0 && answers.every((status) => status === 401), `The stranger's deliveries were answered ${answers.join(', ')}; expected 401 each`);
	check(started === 0, `${started} executions started from another account's jobs`);
	return {
		status: 'none started',
		deliveries: { submitted: 2, executions: started, intact: 0, duplicates: 0, rejected: answers.length },
		note: `2 jobs of another account, signed by fal: deliveries answered ${answers.join(', ')}; no execution`,
	};
}

async function dotDotScenario(stage: Stage, site: TriggerSite): Promise<ScenarioResult> {
	const before = await lastTriggerExecution(site);
	const requestId = await submitJob(stage.emulator, EMULATOR_API_KEY, `${site.triggerUrl}?reference=${encodeURIComponent('../escaped')}`);
	const answers = await answeredDeliveries(stage.emulator, requestId);
	await delay(SETTLE_MS);
	const started = (await lastTriggerExecution(site)) - before;
	check(answers.every((status) => status === 401), `Deliveries answered ${answers.join(', ')}; expected 401 each`);
	check(started === 0, `${started} executions started for a reference with ..`);
	check(!existsSync(join(dirname(site.outputDir), 'escaped.mp4')), 'escaped.mp4 was written outside the output folder');
	return {
		status: 'none started',
		deliveries: { submitted: 1, executions: started, intact: 0, duplicates: 0, rejected: answers.length },
		note: `reference=../escaped: answered ${answers.join(', ')}; nothing written`,
	};
}

async function concurrentDuplicatesScenario(stage: Stage, site: TriggerSite, count: number): Promise<ScenarioResult> {
	const { emulator, log } = stage;
	const before = await lastTriggerExecution(site);
	const prefix = `together-${count}`;
	// Submitted at once with one run time: they finish, and fal delivers them, together.
	const jobs: SubmittedJob[] = await Promise.all(
		Array.from({ length: count }, async (_, index) => {
			const reference = `${prefix}-${index + 1}`;
			return { reference, requestId: await submitJob(emulator, EMULATOR_API_KEY, `${site.triggerUrl}?reference=${reference}`) };
		}),
	);
	const runs = await awaitTriggerRuns(site, emulator, jobs, before, 5 * MINUTE);
	const { counts, videoBytes } = await checkTriggerRuns(site, emulator, jobs, runs);
	const after = await lastTriggerExecution(site);

	await site.stop();
	await site.start();
	log(`  n8n restarted after ${count} deliveries; the same ${count} again, at once`);
	const statuses = await Promise.all(jobs.map(async (job) => await redeliverUntilAnswered(emulator, job.requestId)));
	await delay(SETTLE_MS);
	const again = (await site.rest().executions(site.triggerWorkflowId)).filter((execution) => Number(execution.id) > after);
	const rerun = (await loadTriggerRuns(site, again.map((execution) => execution.id))).filter((run) => jobs.some((job) => job.requestId === run.json.requestId));
	check(statuses.every((status) => status >= 200 && status < 300), `The repeated deliveries were answered ${summarise(statuses)}; fal would retry them`);
	check(rerun.length === 0, `${rerun.length} of ${count} jobs ran a second time after the restart`);
	return {
		status: 'success',
		videoBytes,
		deliveries: { ...counts, duplicates: rerun.length },
		note: `${count} deliveries together → ${runs.length} executions; after a restart the same ${count} again → ${summarise(statuses)}, ${rerun.length} second executions`,
	};
}

/** A job straight on fal's queue with this account's key, fal calling back `webhookUrl`. */
async function submitJob(emulator: EmulatorClient, key: string, webhookUrl: string): Promise<string> {
	const response = await fetch(`${emulator.url}/fal-ai/stable-avatar?fal_webhook=${encodeURIComponent(webhookUrl)}`, {
		method: 'POST',
		headers: { authorization: `Key ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ image_url: `${emulator.url}/files/none/face.png`, audio_url: `${emulator.url}/files/none/speech.mp3`, prompt: 'A person speaks.' }),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await response.text();
	check(response.status === 200, `Submitting as ${key === EMULATOR_API_KEY ? 'our account' : 'another account'} answered ${response.status}: ${text}`);
	return (JSON.parse(text) as { request_id: string }).request_id;
}

/** The receiver's answers to every delivery of a job, once at least one was answered. */
async function answeredDeliveries(emulator: EmulatorClient, requestId: string): Promise<number[]> {
	let answers: number[] = [];
	await waitFor(`the delivery of ${requestId} to be answered`, 2 * MINUTE, async () => {
		answers = (await emulator.webhooksFor(requestId)).map((delivery) => delivery.status).filter((status) => status !== 0);
		return answers.length > 0;
	}, 500);
	return answers;
}

/** After a restart a kept-alive connection may be dead: like fal, send again when no answer came. */
async function redeliverUntilAnswered(emulator: EmulatorClient, requestId: string): Promise<number> {
	let status = 0;
	for (let attempt = 0; attempt < 3 && status === 0; attempt++) status = await emulator.redeliver(requestId, 'again');
	return status;
}

function summarise(statuses: number[]): string {
	const counts = new Map<number, number>();
	for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
	return [...counts.entries()].map(([status, n]) => `${n}× ${status}`).join(', ');
}
