import { describe, expect, it } from 'vitest';
import {
  classify,
  type EmailItem,
  SendOutcomeUnknownError,
  SendRejectedError,
  sendCommandFor,
} from '../../shared/mail/mailer.js';

const sdkError = (name: string, status?: number, code?: string) =>
  Object.assign(new Error(name), {
    name,
    ...(code ? { code } : {}),
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });

describe('send failure classification', () => {
  it.each([
    ['MessageRejected (400)', sdkError('MessageRejected', 400), SendRejectedError],
    ['throttling (429)', sdkError('TooManyRequestsException', 429), SendRejectedError],
    ['connection refused (nothing sent)', sdkError('Error', undefined, 'ECONNREFUSED'), SendRejectedError],
    ['a request timeout', sdkError('TimeoutError'), SendOutcomeUnknownError],
    ['a connection reset', sdkError('Error', undefined, 'ECONNRESET'), SendOutcomeUnknownError],
    ['a 500 from SES', sdkError('InternalFailure', 500), SendOutcomeUnknownError],
  ])('classifies %s', (_name, error, expected) => {
    expect(classify(error)).toBeInstanceOf(expected);
  });
});

describe('the SES request', () => {
  const item = {
    id: 'ri_1',
    workspaceId: 'ws_acme',
    draft: {
      type: 'email',
      from: 'alice@acme.com',
      to: ['carol@globex.com'],
      cc: ['c@x.com'],
      bcc: [],
      subject: 'Renewal',
      bodyText: 'text',
      inReplyTo: '<m1@mail>',
    },
  } as unknown as EmailItem;

  it('threads replies with In-Reply-To and References and tags the item id', () => {
    const input = sendCommandFor(item, 'cs').input;
    expect(input.Content?.Simple?.Headers).toEqual([
      { Name: 'In-Reply-To', Value: '<m1@mail>' },
      { Name: 'References', Value: '<m1@mail>' },
    ]);
    expect(input.EmailTags).toContainEqual({ Name: 'reviewItemId', Value: 'ri_1' });
    expect(input.ConfigurationSetName).toBe('cs');
    expect(input.Destination?.CcAddresses).toEqual(['c@x.com']);
  });
});
