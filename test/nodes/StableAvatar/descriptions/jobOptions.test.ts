/**
 * The Advanced Options as the editor shows them: in the order a user decides, each operation with the
 * options that matter to it, and every option under the name existing workflows store it by.
 */
import type { INodeProperties } from 'n8n-workflow';

import { StableAvatar } from '../../../../nodes/StableAvatar/StableAvatar.node';

const properties = new StableAvatar().description.properties;

/** The properties the editor shows for an operation, in order (displayOptions on `operation` only). */
function shownFor(operation: string): INodeProperties[] {
	return properties.filter((p) => {
		const shown = p.displayOptions?.show?.operation as string[] | undefined;
		return !shown || shown.includes(operation);
	});
}

function advancedOptionNames(operation: string): string[] {
	const collection = shownFor(operation).find((p) => p.name === 'advancedOptions')!;
	return (collection.options as INodeProperties[]).map((o) => o.name);
}

test('Generate lists the spend cap first, the audio URL check with it, and On Timeout right after Timeout', () => {
	expect(advancedOptionNames('generate')).toEqual([
		'maxCostUsd',
		'checkAudioUrlLength',
		'oncePerKey',
		'timeoutMinutes',
		'onTimeout',
		'maxQueueWaitMinutes',
		'downloadVideo',
		'outputBinaryProperty',
		'maxConcurrentJobs',
		'endpointId',
	]);
	expect(advancedOptionNames('submit')).toEqual(['maxCostUsd', 'checkAudioUrlLength', 'oncePerKey', 'maxConcurrentJobs', 'endpointId']);
});

test('Get Status and Cancel, one call per item, do not offer Max Concurrent Jobs', () => {
	expect(advancedOptionNames('getStatus')).toEqual(['endpointId']);
	expect(advancedOptionNames('cancel')).toEqual(['endpointId']);
});

test('the spend cap is said outside Advanced Options, between the model\'s options and the node\'s', () => {
	for (const operation of ['generate', 'submit']) {
		const names = shownFor(operation).map((p) => p.name);
		expect(names.indexOf('options')).toBeLessThan(names.indexOf('spendCapNotice'));
		expect(names.indexOf('spendCapNotice')).toBe(names.indexOf('advancedOptions') - 1);
		expect(shownFor(operation).find((p) => p.name === 'spendCapNotice')!.displayName).toContain('Max Estimated Cost (USD)');
	}
});

test('Submit\'s Webhook URL and Reference have a visible hint and a placeholder short enough to show whole', () => {
	for (const name of ['webhookUrl', 'reference']) {
		const property = shownFor('submit').find((p) => p.name === name)!;
		expect(property.hint).toMatch(/^Optional/);
		expect((property.placeholder ?? '').length).toBeLessThanOrEqual(40);
	}
});
