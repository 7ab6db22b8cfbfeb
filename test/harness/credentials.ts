/**
 * Credentials for test runs: hands the node a `falApi` credential and applies the credential type's
 * own `authenticate`, the way n8n's CredentialsHelper does (a function is called as it is).
 */
import {
	ICredentialsHelper,
	type ICredentialDataDecryptedObject,
	type IHttpRequestOptions,
	type IRequestOptionsSimplified,
} from 'n8n-workflow';

import { FalApi } from '../../credentials/FalApi.credentials';

export interface FalCredentials {
	apiKey: string;
	baseUrl: string;
}

const falApi = new FalApi();

/** How often the engine asked for the credentials and applied them, over all runs (tests reset it). */
export const credentialCalls = { decrypted: 0, authenticated: 0 };

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: FalCredentials) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
	): Promise<IHttpRequestOptions> {
		if (typeName !== falApi.name) throw new Error(`Unknown credential type ${typeName}`);
		credentialCalls.authenticated++;
		return await falApi.authenticate(credentials, requestOptions as IHttpRequestOptions);
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used in tests');
	}

	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		credentialCalls.decrypted++;
		return { ...this.credentials };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties() {
		return falApi.properties;
	}
}
