import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy } from '../policy.js';

export interface ReindexScheduleArgs {
  /** EventBridge Scheduler expression, e.g. "cron(0 3 ? * SUN *)" or "rate(7 days)". */
  expression: string;
  jobQueueArn: pulumi.Input<string>;
  jobDefinitionArn: pulumi.Input<string>;
}

/** Re-indexing on a schedule: EventBridge Scheduler submits the pipeline's first job to the Batch queue. */
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
        policy: pulumi.all([args.jobQueueArn, args.jobDefinitionArn]).apply(([q, d]) =>
          JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'batch:SubmitJob', Resource: [q, d.replace(/:\d+$/, ':*')] }] }),
        ),
      },
      parent,
    );
    this.schedule = new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        scheduleExpression: args.expression,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: 'arn:aws:scheduler:::aws-sdk:batch:submitJob',
          roleArn: role.arn,
          input: pulumi.all([args.jobQueueArn, args.jobDefinitionArn]).apply(([q, d]) => JSON.stringify({ JobName: 'corpus-proximity-reindex', JobQueue: q, JobDefinition: d })),
        },
      },
      parent,
    );
    this.registerOutputs({ scheduleArn: this.schedule.arn });
  }
}
