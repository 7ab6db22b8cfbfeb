/**
 * What the trigger scenarios need from an installation, whichever the mode: the two example workflows
 * imported (on-video-finished.json published, batch-submit.json in variants), the trigger's production
 * URL, the REST API, and a way to stop every n8n process with SIGTERM and start them again.
 */
import type { IWorkflowBase } from 'n8n-workflow';

import { check } from './checks';
import type { N8nRest } from './n8n';
import { waitFor } from './processes';
import type { RunRecord } from './run-record';
import { asVariant, EXAMPLES, loadExample, withSettings } from './workflows';

const MINUTE = 60_000;
/** Jobs render this long in the restart scenarios: past the moment n8n is down, so their first deliveries fail. */
export const RESTART_RUN_MS = 20_000;

/** Node names in the two examples. */
export const TRIGGER_NODE = 'Stable Avatar Trigger';
export const SUBMIT_NODE = 'Submit to fal';
export const BATCH_START_NODE = 'Run';

export interface TriggerSite {
	mode: string;
	/** The Stable Avatar Trigger's production URL, as Submit hands it to fal. */
	triggerUrl: string;
	/** Where on-video-finished.json writes `<reference>.mp4`. */
	outputDir: string;
	/** `filesystem-v2` (regular mode), `database` (queue mode), or `inline`: in the item (n8n 1.x with binary data on disk, nodes/StableAvatarTrigger/videoHandOver.ts). */
	binaryMode: string;
	triggerWorkflowId: string;
	/** The REST API of the running main process (a new login after each restart). */
	rest(): N8nRest;
	parseFlatted: (text: string) => RunRecord['data'];
	/** SIGTERM to every n8n process of the installation; resolves once all have exited. */
	stop(): Promise<void>;
	/** Starts them again; resolves once the trigger's webhook is registered. */
	start(): Promise<void>;
	/** Queue mode: the worker that ran an execution, from the workers' logs. */
	workerOf?(executionId: string): string | undefined;
}

/** One batch-submit.json variant: `count` rows with the ids (references) `<idPrefix>-1…`, all with one prompt. */
export interface BatchPlan {
	key: string;
	idPrefix: string;
	count: number;
	/** Emulator directives ride in the prompt: `[emulator:run=…]`, `[emulator:video-bytes=…]`. */
	prompt?: string;
}

export function triggerWorkflow(outputDir: string): IWorkflowBase {
	return withSettings(loadExample(EXAMPLES.onVideoFinished), { outputFolder: outputDir });
}

/** The trigger's production URL: n8n serves a trigger node's webhook at `/webhook/<webhookId>/<path>`. */
export function triggerUrlOf(workflow: IWorkflowBase, baseUrl: string): string {
	const trigger = workflow.nodes.find((node) => node.name === TRIGGER_NODE);
	check(trigger?.webhookId, `${workflow.name}: no "${TRIGGER_NODE}" node with a webhookId`);
	return `${baseUrl}/webhook/${trigger.webhookId}/stable-avatar`;
}

/** The references batch-submit.json gives its rows (the row ids): `<idPrefix>-1`, `<idPrefix>-2`, … */
export function referencesOf(plan: BatchPlan): string[] {
	return Array.from({ length: plan.count }, (_, index) => `${plan.idPrefix}-${index + 1}`);
}

/** batch-submit.json making this plan's rows (`rowCount`, `idPrefix`) and calling back the trigger. */
export function batchWorkflow(plan: BatchPlan, triggerUrl: string): IWorkflowBase {
	const values: Record<string, unknown> = { webhookUrl: triggerUrl, rowCount: plan.count, idPrefix: plan.idPrefix };
	if (plan.prompt) values.prompt = plan.prompt;
	return asVariant(withSettings(loadExample(EXAMPLES.batchSubmit), values), `-${plan.key}`, plan.key);
}

/**
 * n8n answers /healthz before it has registered the webhooks of published workflows. An unsigned call
 * tells the two apart without starting anything: 404 while unregistered, 401 once the trigger listens.
 */
export async function waitForTrigger(url: string): Promise<void> {
	let status = 0;
	await waitFor(`the trigger's webhook ${url} to be registered`, 2 * MINUTE, async () => {
		const response = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5_000) }).catch(
			() => undefined,
		);
		await response?.body?.cancel();
		status = response?.status ?? 0;
		return status !== 404 && status !== 0;
	}, 500);
	check(status === 401, `The trigger answered ${status} to an unsigned call, expected 401`);
}
