/**
 * The estimate phase, between `prepare` and `run`: for operations that start paid jobs (Generate,
 * Submit), each item's audio duration is read (audio over five minutes is refused), and the run's
 * estimated total is held against Max Estimated Cost. Nothing has been uploaded or submitted yet,
 * so a refusal here costs nothing.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { preflightAudio } from '../helpers/audioPreflight';
import { settleWithLimit } from '../helpers/concurrency';
import { createFalHttp } from '../helpers/falHttp';
import { readCheckAudioUrlLength } from '../helpers/jobSettings';
import type { ModelInput } from '../helpers/modelInput';
import { checkSpendCap, readMaxCostUsd } from '../helpers/spendCap';
import type { EstimatePhase, Estimated, Operation } from './operation';

/** Header reads and range probes at once: enough for a big batch, few for the machine and the audio host. */
const ESTIMATES_AT_ONCE = 8;

export async function estimateItems<Prepared>(
	ctx: IExecuteFunctions,
	operation: Operation<Prepared>,
	prepared: Array<PromiseSettledResult<Prepared>>,
	/** Items that start no job in this run (Retry On Fail's earlier job, Once Per Key's skip): neither read nor counted. */
	noNewJob: (itemIndex: number) => boolean = () => false,
): Promise<Array<PromiseSettledResult<Prepared>>> {
	const estimate = operation.estimate;
	if (!estimate) return prepared;
	const capUsd = readMaxCostUsd(ctx);
	const phase: EstimatePhase = { http: createFalHttp(ctx), readAudioUrls: readCheckAudioUrlLength(ctx) };
	const estimated = await settleWithLimit(prepared.length, ESTIMATES_AT_ONCE, async (i) => {
		const item = prepared[i];
		if (item.status === 'rejected') throw item.reason;
		if (noNewJob(i)) return { prepared: item.value };
		return await estimate(ctx, phase, item.value, i);
	});
	if (capUsd !== undefined) {
		const items = estimated.flatMap((item, itemIndex) => (item.status === 'fulfilled' && !noNewJob(itemIndex) ? [{ itemIndex, seconds: item.value.seconds, unknownFormat: item.value.unknownFormat }] : []));
		checkSpendCap(ctx, capUsd, items);
	}
	return estimated.map((item) => (item.status === 'fulfilled' ? { status: 'fulfilled', value: item.value.prepared } : item));
}

/**
 * The estimate step of an operation whose item is a model input: the audio's duration, kept on the
 * input for the cost of the result. An audio URL is probed (one range request) unless the user turned
 * Check Audio URL Length off: without it, over-long audio by URL would be submitted and billed.
 */
export async function estimateAudio<Prepared extends { input: ModelInput }>(
	ctx: IExecuteFunctions,
	phase: EstimatePhase,
	prepared: Prepared,
	itemIndex: number,
): Promise<Estimated<Prepared>> {
	const { seconds, unknownFormat } = await preflightAudio(ctx, phase.http, prepared.input.audio, itemIndex, { probeUrl: phase.readAudioUrls });
	return { prepared: { ...prepared, input: { ...prepared.input, audioSeconds: seconds } }, seconds, unknownFormat };
}
