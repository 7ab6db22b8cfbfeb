import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { FalClient } from '../helpers/falClient';
import type { FalHttp } from '../transport/http';

/**
 * One node operation. Work on an item is split so that a batch is checked whole before anything
 * costs money: `prepare` reads and validates parameters (no network); `estimate`, for operations
 * that start paid jobs, reads what the item will cost (see estimate.ts); `run` talks to fal.
 */
export interface Operation<Prepared> {
	properties: INodeProperties[];
	prepare(ctx: IExecuteFunctions, itemIndex: number): Promise<Prepared>;
	estimate?(ctx: IExecuteFunctions, phase: EstimatePhase, prepared: Prepared, itemIndex: number): Promise<Estimated<Prepared>>;
	run(ctx: IExecuteFunctions, fal: FalClient, prepared: Prepared, itemIndex: number): Promise<INodeExecutionData>;
}

export interface EstimatePhase {
	/** Reaches only the audio's own host (one range request), never fal. */
	http: FalHttp;
	/** Check Audio URL Length (on by default): whether an audio URL's first bytes are read for its duration. */
	readAudioUrls: boolean;
}

export interface Estimated<Prepared> {
	prepared: Prepared;
	/** The video this item will make, in seconds; undefined when unknown before the run. */
	seconds?: number;
	/** When the seconds are unknown but the audio's format was recognised: its name, for the cap's message. */
	unknownFormat?: string;
}

export function defineOperation<Prepared>(operation: Operation<Prepared>): Operation<Prepared> {
	return operation;
}
