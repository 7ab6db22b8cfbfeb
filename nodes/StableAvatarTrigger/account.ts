/**
 * Binds deliveries to the fal account of the trigger's credential. fal signs every customer's
 * webhooks with the same keys, so a valid signature proves only that fal sent the call; the signed
 * X-Fal-Webhook-User-Id names the account whose job it was. The first delivery of an account is
 * proven by asking fal for the job's status with the credential's key (fal answers only the
 * owner); from then on this process knows the account's user id, so later deliveries of the
 * account cost nothing and any other user id is refused without a request.
 */
import { createHash } from 'node:crypto';

import type { Ownership } from '../StableAvatar/transport/webhooks/ownership';

/** A user id whose job fal said is not ours: refused without asking again for this long. */
const FOREIGN_MEMORY_MS = 10 * 60 * 1000;
const MAX_FOREIGN_IDS = 1_000;
const MAX_CREDENTIALS = 100;

interface AccountMemory {
	/** The credential's own user id, once a job of it was proven ours. */
	ownUserId?: string;
	/** User ids proven foreign, with when. */
	foreign: Map<string, number>;
	/** One question to fal at a time per claimed user id: concurrent deliveries wait for its answer. */
	pending: Map<string, Promise<Ownership>>;
}

const memories = new Map<string, AccountMemory>();

export type AccountCheck = { ok: true } | { ok: false; reason: 'foreignAccount' } | { ok: false; reason: 'accountUnchecked' };

/** What identifies an account here: the key and where it is used (never the key itself in memory). */
export function credentialFingerprint(apiKey: string, baseUrl: string | undefined): string {
	return createHash('sha256').update(`${apiKey}\n${(baseUrl ?? '').trim()}`).digest('hex');
}

/** The user id this process proved for a credential, if any. */
export function provenUserId(fingerprint: string): string | undefined {
	return memories.get(fingerprint)?.ownUserId;
}

/**
 * `userId` is the delivery's signed user id; `ask` asks fal whether the delivery's job is the
 * credential's (called only when the answer is not known yet).
 */
export async function checkAccount(fingerprint: string, userId: string, ask: () => Promise<Ownership>, now = Date.now()): Promise<AccountCheck> {
	const memory = memoryFor(fingerprint);
	if (memory.ownUserId !== undefined) return memory.ownUserId === userId ? { ok: true } : { ok: false, reason: 'foreignAccount' };
	const foreignAt = memory.foreign.get(userId);
	if (foreignAt !== undefined && now - foreignAt < FOREIGN_MEMORY_MS) return { ok: false, reason: 'foreignAccount' };

	let question = memory.pending.get(userId);
	if (!question) {
		question = ask().finally(() => memory.pending.delete(userId));
		memory.pending.set(userId, question);
	}
	const ownership = await question;
	if (ownership === 'own') {
		memory.ownUserId = userId;
		return { ok: true };
	}
	if (ownership === 'foreign') {
		memory.foreign.delete(userId);
		memory.foreign.set(userId, now);
		if (memory.foreign.size > MAX_FOREIGN_IDS) memory.foreign.delete(memory.foreign.keys().next().value as string);
		return { ok: false, reason: 'foreignAccount' };
	}
	return { ok: false, reason: 'accountUnchecked' };
}

function memoryFor(fingerprint: string): AccountMemory {
	let memory = memories.get(fingerprint);
	if (!memory) {
		if (memories.size >= MAX_CREDENTIALS) memories.delete(memories.keys().next().value as string);
		memory = { foreign: new Map(), pending: new Map() };
		memories.set(fingerprint, memory);
	}
	return memory;
}
