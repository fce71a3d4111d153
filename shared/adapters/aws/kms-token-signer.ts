import { createHash, createPublicKey } from 'node:crypto';
import type { GetPublicKeyCommandOutput, KMS } from '@aws-sdk/client-kms';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { PipelineError } from '../../core/errors.js';
import { onceUntilFailure } from '../../core/once.js';
import type { TokenSigner } from '../../ports/key-provider.js';
import { awsErrorName, awsFailureDetails, isTransientAwsError } from './aws-errors.js';
import { derToP1363 } from './ecdsa-signature.js';

interface IssuerKey {
  readonly publicJwk: JWK;
  readonly kid: string;
}

/** KMS signs a RAW message of at most 4096 bytes; longer inputs are hashed here and sent as DIGEST. */
const MAX_RAW_MESSAGE_BYTES = 4096;

/** The configured key exists but cannot sign: a deployment mistake, not an outage. */
const WRONG_KEY_ERRORS = new Set([
  'UnsupportedOperationException',
  'InvalidKeyUsageException',
  'NotFoundException',
]);

function kmsFailure(operation: string, error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  if (WRONG_KEY_ERRORS.has(awsErrorName(error))) {
    return new PipelineError('config-invalid', 'the issuer key must be a KMS ECC_NIST_P256 signing key', {
      details: { rule: 'issuer-key-spec', operation, ...awsFailureDetails(error) },
      cause: error,
    });
  }
  return new PipelineError('crypto-failed', `issuer key ${operation} failed`, {
    retryable: isTransientAwsError(error),
    details: { operation, ...awsFailureDetails(error) },
    cause: error,
  });
}

/**
 * The access-token issuer key as a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY): the private key
 * never leaves KMS. The public JWK (published in the issuer JWKS) comes from GetPublicKey once per
 * process; `kid` is its RFC 7638 thumbprint, as on the embedded default.
 */
export class KmsTokenSigner implements TokenSigner {
  readonly alg = 'ES256' as const;

  constructor(
    private readonly kms: KMS,
    private readonly keyId: string,
  ) {}

  private readonly issuerKey = onceUntilFailure(() => this.load());

  private async load(): Promise<IssuerKey> {
    let response: GetPublicKeyCommandOutput;
    try {
      response = await this.kms.getPublicKey({ KeyId: this.keyId });
    } catch (error) {
      throw kmsFailure('get-public-key', error);
    }
    // CustomerMasterKeySpec is the deprecated name KMS still sends (and all moto sends).
    if (
      (response.KeySpec ?? response.CustomerMasterKeySpec) !== 'ECC_NIST_P256' ||
      response.KeyUsage !== 'SIGN_VERIFY' ||
      response.PublicKey === undefined
    ) {
      throw new PipelineError('config-invalid', 'the issuer key must be a KMS ECC_NIST_P256 signing key', {
        details: { rule: 'issuer-key-spec' },
      });
    }
    const jwk = createPublicKey({ key: Buffer.from(response.PublicKey), format: 'der', type: 'spki' }).export(
      {
        format: 'jwk',
      },
    );
    const { kty, crv, x, y } = jwk;
    if (kty !== 'EC' || crv !== 'P-256' || x === undefined || y === undefined) {
      throw new PipelineError('config-invalid', 'the issuer public key is not a P-256 key', {
        details: { rule: 'issuer-key-spec' },
      });
    }
    const kid = await calculateJwkThumbprint({ kty, crv, x, y });
    return { publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }, kid };
  }

  async kid(): Promise<string> {
    return (await this.issuerKey()).kid;
  }

  async publicJwk(): Promise<JWK> {
    return { ...(await this.issuerKey()).publicJwk };
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    const raw = signingInput.byteLength <= MAX_RAW_MESSAGE_BYTES;
    let signature: Uint8Array | undefined;
    try {
      ({ Signature: signature } = await this.kms.sign({
        KeyId: this.keyId,
        SigningAlgorithm: 'ECDSA_SHA_256',
        MessageType: raw ? 'RAW' : 'DIGEST',
        Message: raw ? signingInput : createHash('sha256').update(signingInput).digest(),
      }));
    } catch (error) {
      throw kmsFailure('sign', error);
    }
    try {
      if (signature === undefined)
        throw new PipelineError('crypto-failed', 'KMS Sign answered without a signature');
      return derToP1363(signature);
    } catch (error) {
      throw new PipelineError('crypto-failed', 'KMS returned an unusable signature', { cause: error });
    }
  }
}
