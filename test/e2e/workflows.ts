/**
 * The example workflows as the runs use them. Each example keeps everything a user edits in its
 * first "Settings" node; the runs override those values (folders, prompt) and nothing else.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IWorkflowBase } from 'n8n-workflow';

import { withLocalSamples } from '../emulator/samples';
import { EMULATOR_API_KEY, EXAMPLE_CREDENTIAL, EXAMPLES_DIR } from './config';
import type { CredentialRecord } from './n8n';

export const EXAMPLES = {
	speech: 'speech-to-avatar.json',
	batch: 'batch-scripts.json',
	binary: 'binary-image-and-audio.json',
	webhook: 'queue-mode-webhook.json',
	submitWait: 'submit-wait-webhook.json',
	batchSubmit: 'batch-submit.json',
	onVideoFinished: 'on-video-finished.json',
} as const;

/** Prompt directives the emulator answers with a failed job (HTTP 500, runner_server_error); one per scenario, to find its job. */
export const FAILING_PROMPT = 'A person speaks. [emulator:500 runner_server_error]';
export const SUBMIT_WAIT_FAILING_PROMPT = 'A person speaks, fal calls back. [emulator:500 runner_server_error]';

/** The fal credential the examples reference, pointed at the emulator. */
export function falCredential(emulatorUrl: string): CredentialRecord {
	return { ...EXAMPLE_CREDENTIAL, type: 'falApi', data: { apiKey: EMULATOR_API_KEY, baseUrl: emulatorUrl } };
}

/** The Header Auth credential that guards the webhook example (every call there costs fal credits). */
export const WEBHOOK_AUTH = { header: 'X-Avatar-Key', value: 'local-webhook-key' } as const;

export function webhookCredential(): CredentialRecord {
	return {
		id: 'avatarWebhookKey01',
		name: 'Avatar webhook key',
		type: 'httpHeaderAuth',
		data: { name: WEBHOOK_AUTH.header, value: WEBHOOK_AUTH.value },
	};
}

/** Node types that listen for calls: n8n's editor gives each a fresh `webhookId` on import (the examples ship none). */
const LISTENING_NODE = /\.(webhook|wait|stableAvatarTrigger)$/;

let sampleOrigin: string | undefined;

/** From now on, examples read their sample portrait and speech from this emulator (test/emulator/samples.ts). */
export function serveSampleInputsFrom(emulatorUrl: string): void {
	sampleOrigin = emulatorUrl;
}

export function loadExample(file: string): IWorkflowBase {
	const text = readFileSync(join(EXAMPLES_DIR, file), 'utf8');
	const workflow = JSON.parse(sampleOrigin ? withLocalSamples(text, sampleOrigin) : text) as IWorkflowBase;
	for (const node of workflow.nodes) if (LISTENING_NODE.test(node.type)) node.webhookId ??= randomUUID();
	return workflow;
}

interface Assignment {
	name: string;
	value: unknown;
}

/** Returns a copy with the Settings node's values replaced; every name must exist there already. */
export function withSettings(workflow: IWorkflowBase, values: Record<string, unknown>): IWorkflowBase {
	const copy = structuredClone(workflow);
	const settings = copy.nodes.find((node) => node.name === 'Settings');
	const assignments = (settings?.parameters.assignments as { assignments?: Assignment[] } | undefined)?.assignments;
	if (!assignments) throw new Error(`${workflow.name}: no Settings node with assignments`);
	for (const [name, value] of Object.entries(values)) {
		const assignment = assignments.find((entry) => entry.name === name);
		if (!assignment) throw new Error(`${workflow.name}: the Settings node has no "${name}"`);
		assignment.value = value;
	}
	return copy;
}

/** A value of the Settings node, as the example ships it or as withSettings set it. */
export function settingOf(workflow: IWorkflowBase, name: string): unknown {
	const settings = workflow.nodes.find((node) => node.name === 'Settings');
	const assignments = (settings?.parameters.assignments as { assignments?: Assignment[] } | undefined)?.assignments;
	const assignment = assignments?.find((entry) => entry.name === name);
	if (!assignment) throw new Error(`${workflow.name}: the Settings node has no "${name}"`);
	return assignment.value;
}

/** The same workflow under another id and name, to import a variant next to the original. */
export function asVariant(workflow: IWorkflowBase, idSuffix: string, nameSuffix: string): IWorkflowBase {
	return { ...workflow, id: `${workflow.id}${idSuffix}`, name: `${workflow.name} (${nameSuffix})` };
}
