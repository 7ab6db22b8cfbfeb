/**
 * The trigger's fal credential, loaded once per process and credential for a minute. n8n builds a
 * fresh expression sandbox for every credential load; under a burst of deliveries that cost more
 * than everything else a delivery does. A minute is short enough that an edited key (or Base URL)
 * is in use soon after the edit.
 */
import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

export type FalCredentials = ICredentialDataDecryptedObject & { apiKey?: string; baseUrl?: string };

export const CREDENTIAL_CACHE_MS = 60_000;
const MAX_CACHED = 100;

const cache = new Map<string, { loadedAt: number; credentials: Promise<FalCredentials> }>();

export async function triggerCredentials(ctx: IWebhookFunctions, now = Date.now()): Promise<FalCredentials> {
	const credentialId = ctx.getNode().credentials?.falApi?.id ?? '';
	const key = `${ctx.getWorkflow().id ?? ''}/${credentialId}`;
	const cached = cache.get(key);
	if (credentialId !== '' && cached && now - cached.loadedAt < CREDENTIAL_CACHE_MS) return await cached.credentials;
	const credentials = ctx.getCredentials<FalCredentials>('falApi');
	if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
	cache.set(key, { loadedAt: now, credentials });
	// A load that fails is not kept: the next delivery tries again.
	credentials.catch(() => {
		if (cache.get(key)?.credentials === credentials) cache.delete(key);
	});
	return await credentials;
}
