/** The request id + endpoint that the by-id operations (Get Status, Get Result, Cancel) act on. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { readEndpointId } from '../helpers/jobSettings';
import { checkedText, invalidInput } from '../helpers/validation';

export interface JobAddress {
	requestId: string;
	endpointId: string;
}

export function readJobAddress(ctx: IExecuteFunctions, itemIndex: number): JobAddress {
	const requestId = checkedText(ctx, itemIndex, ctx.getNodeParameter('requestId', itemIndex), 'Request ID');
	if (!/^[\w-]+$/.test(requestId)) {
		throw invalidInput(ctx, itemIndex, 'Request ID', `is not a fal request ID (got "${requestId.slice(0, 80)}")`, 'Use the requestId output by Submit or Generate.');
	}
	return { requestId, endpointId: readEndpointId(ctx, itemIndex) };
}
