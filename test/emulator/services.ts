import type { ServerResponse } from 'node:http';
import type { FaultBook } from './faults';
import type { JobQueue } from './queue';
import type { WebhookSigner } from './signing';
import type { UploadStore } from './storage';
import type { WebhookSender } from './webhooks';
import type { RequestLogEntry, ResolvedEmulatorOptions, WebhookDelivery } from './types';

/** The emulator's state, handed to every route handler. */
export interface Services {
	readonly origin: string;
	readonly options: ResolvedEmulatorOptions;
	readonly queue: JobQueue;
	readonly store: UploadStore;
	readonly faults: FaultBook;
	readonly log: RequestLogEntry[];
	readonly webhookDeliveries: WebhookDelivery[];
	readonly signer: WebhookSigner;
	readonly webhooks: WebhookSender;
	/** Open SSE responses, ended by close(). */
	readonly openStreams: Set<ServerResponse>;
	/** Adds to `log`, keeping it bounded. */
	record(entry: RequestLogEntry): void;
	/** SHA-256 of a job's full video, or undefined for an unknown job. */
	videoSha256(requestId: string): string | undefined;
	reset(): void;
	/** TCP connections open now, and the most open at once since the last reset. */
	connections(): ConnectionCount;
}

export interface ConnectionCount {
	open: number;
	peak: number;
}
