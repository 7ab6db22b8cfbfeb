/**
 * What a Stable Avatar job costs on fal: $0.10 per generated second, at least 4 seconds, videos up to
 * five minutes. fal does not document how it rounds a fraction of a second, so every figure here is
 * an estimate, and says so.
 */

export const USD_PER_SECOND = 0.1;
export const MIN_BILLED_SECONDS = 4;
/** The model's limit on the audio (and so the video): five minutes. */
export const MAX_AUDIO_SECONDS = 300;

/** Where the seconds came from: the finished video, the input audio, or nowhere (unknown). */
export type CostBasis = 'video' | 'audio' | null;

export type Cost = {
	/** Seconds of video the job is billed for (before the 4-second minimum); null when unknown. */
	seconds: number | null;
	usd: number | null;
	basis: CostBasis;
	/** Always true: fal's per-second rounding is not documented. */
	estimate: true;
};

/** The cost of one job whose video is (or will be) `seconds` long; unknown seconds give an unknown cost. */
export function costOf(seconds: number | undefined, basis: Exclude<CostBasis, null>): Cost {
	if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return { seconds: null, usd: null, basis: null, estimate: true };
	return { seconds: roundTo(seconds, 3), usd: usdFor(seconds), basis, estimate: true };
}

/** The video's duration when it was read, else the audio's: the first figure known wins. */
export function bestCost(videoSeconds: number | undefined, audioSeconds: number | undefined): Cost {
	if (videoSeconds !== undefined) return costOf(videoSeconds, 'video');
	return costOf(audioSeconds, 'audio');
}

export function usdFor(seconds: number): number {
	return roundTo(Math.max(MIN_BILLED_SECONDS, seconds) * USD_PER_SECOND, 2);
}

export interface ItemEstimate {
	itemIndex: number;
	/** Undefined when the duration could not be read before the run. */
	seconds?: number;
	/** The audio's format, when recognised though its duration was not read. */
	unknownFormat?: string;
}

export interface RunEstimate {
	totalUsd: number;
	/** Items whose duration is unknown, each counted at the five-minute maximum. */
	unknownItems: number;
	/** Items by estimated cost, dearest first. */
	items: Array<{ itemIndex: number; usd: number; known: boolean; unknownFormat?: string }>;
}

/** What a run of jobs may cost at most: known durations as they are, unknown ones at five minutes. */
export function estimateRun(items: ItemEstimate[]): RunEstimate {
	const priced = items.map(({ itemIndex, seconds, unknownFormat }) => ({
		itemIndex,
		usd: usdFor(seconds ?? MAX_AUDIO_SECONDS),
		known: seconds !== undefined,
		...(seconds === undefined && unknownFormat ? { unknownFormat } : {}),
	}));
	const totalCents = priced.reduce((sum, item) => sum + Math.round(item.usd * 100), 0);
	return {
		totalUsd: totalCents / 100,
		unknownItems: priced.filter((item) => !item.known).length,
		items: [...priced].sort((a, b) => b.usd - a.usd || a.itemIndex - b.itemIndex),
	};
}

function roundTo(value: number, digits: number): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}
