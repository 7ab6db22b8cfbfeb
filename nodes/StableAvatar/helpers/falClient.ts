/** The fal queue and storage for this run, at the origins the credential points to. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { FalHttp } from '../transport/http';
import { FalQueue } from '../transport/queue';
import { FalStorage } from '../transport/storage';
import { ReusedUploads, type FileUploader } from '../transport/uploadReuse';
import { falOrigins } from '../transport/urls';
import { createFalHttp } from './falHttp';

export interface FalClient {
	http: FalHttp;
	queue: FalQueue;
	/** fal storage, uploading each distinct file once per run. */
	storage: FileUploader;
}

export async function createFalClient(ctx: IExecuteFunctions): Promise<FalClient> {
	const credentials = await ctx.getCredentials<{ baseUrl?: string }>('falApi');
	const origins = falOrigins(credentials.baseUrl);
	const http = createFalHttp(ctx, credentials);
	return { http, queue: new FalQueue(http, origins.queue), storage: new ReusedUploads(new FalStorage(http, origins.storage)) };
}
