/**
 * Two promises to users that rest on how n8n runs a node, proven on each n8n version:
 *   - a stop (the editor's stop button) cancels the fal job promptly: the node's waits end on the
 *     execution's cancel signal, whatever `sleep` the host's n8n-workflow has;
 *   - Retry On Fail never pays twice: n8n runs the whole node again, and an item whose job exists
 *     gets that job's outcome back instead of a second submit.
 */
import type { IWorkflowBase } from 'n8n-workflow';

import { check, errorText } from './checks';
import type { EmulatorClient } from './emulator';
import { FINISHED_STATES, type N8nCli, type N8nRest } from './n8n';
import { waitFor } from './processes';
import type { ScenarioResult } from './report';
import { asVariant, EXAMPLES, loadExample, withSettings } from './workflows';

const MINUTE = 60_000;
/** Long enough that the stop surely lands while fal renders. */
const STOP_JOB_MS = 120_000;
const RETRY_TRIES = 3;
/** The node's own log line for an item whose earlier try's job is reused (actions/router.ts, replay). */
const REUSED_LINE = 'Retry On Fail: this item keeps the outcome of its existing fal job';

/** speech-to-avatar.json whose job renders for two minutes, marked so its job can be found. */
export function stopWorkflow(settings: { speechFile: string; outputFolder: string }, marker: string): IWorkflowBase {
	const prompt = `A person speaks. [emulator:run=${STOP_JOB_MS}] ${marker}`;
	return asVariant(withSettings(loadExample(EXAMPLES.speech), { ...settings, prompt }), 'Stop', 'stopped while fal renders');
}

/** speech-to-avatar.json whose job fails on fal, with Retry On Fail on (3 tries, 1 s apart). */
export function retryWorkflow(settings: { speechFile: string; outputFolder: string }, marker: string): IWorkflowBase {
	const prompt = `Retry On Fail. [emulator:500 runner_server_error] ${marker}`;
	const workflow = asVariant(withSettings(loadExample(EXAMPLES.speech), { ...settings, prompt }), 'Retry', 'Retry On Fail');
	const node = workflow.nodes.find((candidate) => candidate.type.endsWith('.stableAvatar'));
	check(node, `${workflow.name}: no Stable Avatar node`);
	Object.assign(node, { retryOnFail: true, maxTries: RETRY_TRIES, waitBetweenTries: 1000 });
	return workflow;
}

/** Started as the editor starts it, stopped while fal renders: the job gets fal's cancel and the execution ends. */
export async function stopScenario(rest: N8nRest, emulator: EmulatorClient, workflow: IWorkflowBase, marker: string): Promise<ScenarioResult> {
	const executionId = await rest.runManually(workflow.id as string, 'Run');
	let requestId = '';
	await waitFor('the job to be running on fal', MINUTE, async () => {
		const job = (await emulator.jobs()).find((candidate) => String(candidate.input.prompt).includes(marker));
		requestId = job?.status === 'IN_PROGRESS' ? job.requestId : '';
		return requestId !== '';
	}, 250);
	const stoppedAt = Date.now();
	await rest.stopExecution(String(executionId));
	// Bounded waits, not timings: on a host whose sleep ignores the signal, neither ever happens.
	let cancelledAfterMs = 0;
	await waitFor(`fal's cancel for job ${requestId}`, MINUTE, async () => {
		const cancel = (await emulator.requestLog()).find((entry) => entry.route === 'cancel' && entry.requestId === requestId);
		if (cancel) cancelledAfterMs = cancel.time - stoppedAt;
		return cancel !== undefined;
	}, 250);
	let status = '';
	await waitFor(`execution ${executionId} to end`, MINUTE, async () => {
		status = (await rest.executions(workflow.id as string)).find((execution) => execution.id === String(executionId))?.status ?? '';
		return FINISHED_STATES.includes(status);
	}, 500);
	const job = await emulator.job(requestId);
	check(job?.cancelled === true, `Job ${requestId} was not cancelled on fal`);
	check(status === 'canceled', `Execution ${executionId} ended as ${status}, expected canceled`);
	const jobs = (await emulator.jobs()).filter((candidate) => String(candidate.input.prompt).includes(marker));
	check(jobs.length === 1, `${jobs.length} jobs were submitted for the stopped run`);
	return { status, note: `fal's cancel for the running job ${Math.round(cancelledAfterMs / 100) / 10} s after the stop (signalled while running, as fal does)` };
}

/** A job that fails on fal, under Retry On Fail: three tries, one job, the error names it. */
export async function retryScenario(cli: N8nCli, emulator: EmulatorClient, workflow: IWorkflowBase, marker: string): Promise<ScenarioResult> {
	const execution = await cli.execute(workflow.id as string);
	check(execution.run, `n8n execute printed no run (exit ${execution.exitCode}):\n${execution.output.slice(-3000)}`);
	const jobs = (await emulator.jobs()).filter((job) => String(job.input.prompt).includes(marker));
	check(jobs.length === 1, `${jobs.length} jobs were submitted over ${RETRY_TRIES} tries, expected 1`);
	const [{ requestId }] = jobs;
	const reused = execution.output.split('\n').filter((line) => line.includes(REUSED_LINE)).length;
	check(reused === RETRY_TRIES - 1, `The node reused the job's outcome ${reused} times, expected ${RETRY_TRIES - 1} (one per retry)`);
	const error = errorText(execution.run);
	check(error.includes(requestId), `The error does not name the request id ${requestId}: ${error.slice(0, 300)}`);
	return { status: execution.run.status, note: `${RETRY_TRIES} tries, 1 job (${requestId.slice(0, 8)}…), its outcome reused on tries 2 and 3; the error names it` };
}
