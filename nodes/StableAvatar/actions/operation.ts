import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { FalClient } from '../helpers/falClient';

/**
 * One node operation. Work on an item is split in two so that a batch is checked whole before
 * anything costs money: `prepare` reads and validates parameters (no network), `run` talks to fal.
 */
export interface Operation<Prepared> {
	properties: INodeProperties[];
	prepare(ctx: IExecuteFunctions, itemIndex: number): Promise<Prepared>;
	run(ctx: IExecuteFunctions, fal: FalClient, prepared: Prepared, itemIndex: number): Promise<INodeExecutionData>;
}

export function defineOperation<Prepared>(operation: Operation<Prepared>): Operation<Prepared> {
	return operation;
}
