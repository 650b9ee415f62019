/**
 * The EventBridge patterns of the events in (spec 2), by the name the event catalog (catalog.ts) and the manifest's
 * rules (infra/manifest.ts) both know them by.
 */

/** An EventBridge event pattern, in the subset both EventBridge and the local bus understand. */
export interface EventPattern {
  source: string[];
  'detail-type': string[];
}

export const EVENT_PATTERNS = {
  draftProposed: { source: ['automations'], 'detail-type': ['Review Draft Proposed'] },
  memberChanged: { source: ['directory'], 'detail-type': ['Workspace Member Changed'] },
  workspaceDeleted: { source: ['directory'], 'detail-type': ['Workspace Deleted'] },
  /**
   * SES's EventBridge destination publishes these to the account's default bus (spec 2.5); in AWS the rule also
   * matches only this stage's configuration set (infra/stacks/stateless-stack.ts).
   */
  emailDelivery: {
    source: ['aws.ses'],
    'detail-type': [
      'Email Delivered',
      'Email Bounced',
      'Email Complaint Received',
      'Email Rejected',
      'Email Rendering Failed',
    ],
  },
  /** The CRM's answers to Record Change Approved commands (spec 2.4). */
  recordChangeAnswers: {
    source: ['crm'],
    'detail-type': ['Record Change Applied', 'Record Change Rejected'],
  },
  recordChanged: { source: ['crm'], 'detail-type': ['Record Changed'] },
} satisfies Record<string, EventPattern>;
