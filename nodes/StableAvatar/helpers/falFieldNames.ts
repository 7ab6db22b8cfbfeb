/**
 * fal's input fields (named in a 422) by the names the user sees in the editor: fal says `audio_url`
 * even when the user gave a binary field, which the node uploaded and passed on as that URL.
 */
import type { INode } from 'n8n-workflow';

import { NUMBER_RANGES } from '../descriptions/modelInput';

/** Each media source's default, as in descriptions/modelInput.ts: a workflow may omit a default value. */
const MEDIA: Record<string, { kind: 'image' | 'audio'; label: string; defaultSource: string }> = {
	image_url: { kind: 'image', label: 'Image', defaultSource: 'url' },
	audio_url: { kind: 'audio', label: 'Audio', defaultSource: 'binary' },
};

const OTHER_FIELDS: Record<string, string> = {
	prompt: 'Prompt',
	aspect_ratio: 'Aspect Ratio',
	...Object.fromEntries(Object.values(NUMBER_RANGES).map((range) => [range.field, range.label])),
};

/** e.g. `Audio Input Binary Field "data" (sent to fal as audio_url)`; fal's name when it is no parameter. */
export function userFieldName(node: INode, falField: string): string {
	// Get Result reports a job whose input another node (or workflow) set: there fal's names are the ones to go by.
	const operation = String(node.parameters.operation ?? 'generate');
	if (operation !== 'generate' && operation !== 'submit') return falField;
	const media = MEDIA[falField];
	if (media) {
		const source = String(node.parameters[`${media.kind}Source`] ?? media.defaultSource);
		if (source === 'binary') {
			const field = node.parameters[`${media.kind}BinaryProperty`];
			const named = typeof field === 'string' && !field.startsWith('=') ? ` "${field}"` : '';
			return `${media.label} Input Binary Field${named} (uploaded, sent to fal as ${falField})`;
		}
		return `${media.label} URL (${falField})`;
	}
	const label = OTHER_FIELDS[falField];
	return label ? `${label} (${falField})` : falField;
}
