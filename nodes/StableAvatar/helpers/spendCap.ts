/**
 * Max Estimated Cost (USD): a run whose estimated total is over the cap is refused whole, before
 * anything is uploaded or submitted. Items of unknown duration count at the five-minute maximum.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { estimateRun, MAX_AUDIO_SECONDS, usdFor, type ItemEstimate } from '../transport/cost';
import { checkedNumber } from './validation';

const NAMED_ITEMS = 5;

/** Node-wide, read from the first item; undefined when the cap is off (the default). */
export function readMaxCostUsd(ctx: IExecuteFunctions): number | undefined {
	const options = ctx.getNodeParameter('advancedOptions', 0, {}) as IDataObject;
	if (options.maxCostUsd === undefined || options.maxCostUsd === null || options.maxCostUsd === '') return undefined;
	return checkedNumber(ctx, 0, options.maxCostUsd, { label: 'Max Estimated Cost (USD)', min: 0, max: 1_000_000, integer: false });
}

export function checkSpendCap(ctx: IExecuteFunctions, capUsd: number, items: ItemEstimate[]): void {
	const run = estimateRun(items);
	if (run.totalUsd <= capUsd) return;
	const dearest = run.items
		.slice(0, NAMED_ITEMS)
		.map((item) => `item ${item.itemIndex}: ${money(item.usd)}${item.known ? '' : ` (duration unknown${item.unknownFormat ? `: ${item.unknownFormat}` : ''})`}`)
		.join(', ');
	const more = run.items.length > NAMED_ITEMS ? `, and ${run.items.length - NAMED_ITEMS} more` : '';
	const unknown =
		run.unknownItems > 0
			? ` ${run.unknownItems} item(s) of unknown duration count at the five-minute maximum, ${money(usdFor(MAX_AUDIO_SECONDS))} each.`
			: '';
	throw new NodeOperationError(
		ctx.getNode(),
		`The run's estimated cost, ${money(run.totalUsd)} for ${items.length} job(s), is over Max Estimated Cost (USD) ${money(capUsd)}: nothing was uploaded or submitted`,
		{
			description: `Costliest items: ${dearest}${more}.${unknown} Raise Max Estimated Cost (USD) under Advanced Options, split the batch, or shorten the audio.`,
		},
	);
}

function money(usd: number): string {
	return `$${usd.toFixed(2)}`;
}
