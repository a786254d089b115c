import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy } from '../policy.js';

export interface ReindexScheduleArgs {
  /** EventBridge Scheduler expression, e.g. "cron(0 3 ? * SUN *)" or "rate(7 days)". */
  expression: string;
  /** The Batch pipeline's state machine (prepare → embed array → the rest). */
  stateMachineArn: pulumi.Input<string>;
  /** Each scheduled execution's hard limit (infra/policy.ts, runTimeLimitSeconds). */
  timeoutSeconds: number;
}

/** Re-indexing on a schedule: EventBridge Scheduler starts the Batch pipeline's state machine. */
export class ReindexSchedule extends pulumi.ComponentResource {
  readonly schedule: aws.scheduler.Schedule;

  constructor(name: string, args: ReindexScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('corpus-proximity:infra:ReindexSchedule', name, {}, opts);
    const parent = { parent: this };
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('scheduler.amazonaws.com')) }, parent);
    new aws.iam.RolePolicy(
      `${name}-submit`,
      {
        role: role.id,
        policy: pulumi
          .output(args.stateMachineArn)
          .apply((sm) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: sm }] })),
      },
      parent,
    );
    this.schedule = new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        scheduleExpression: args.expression,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: args.stateMachineArn,
          roleArn: role.arn,
          input: JSON.stringify({ timeoutSeconds: args.timeoutSeconds }),
        },
      },
      parent,
    );
    this.registerOutputs({ scheduleArn: this.schedule.arn });
  }
}
