import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { createApp, testAppProps } from '../../infra/application';
import { ROUTES, STAGE_NAME } from '../../infra/api';
import type { HandlerFunction } from '../../infra/functions';
import { NOTIFIED_STATUSES, SLACK_SECRET_ENV } from '../../infra/notifications';
import type { K8sEc2BuilderStack } from '../../infra/stack';
import { specJsonSchema } from '../../functions/core/spec';
import { allStates, buildDefinition, definitionSubstitutionNames, teardownDefinition } from '../../workflows';
import { NOTIFY_FUNCTION, STEP_FUNCTIONS, TASK_FUNCTIONS } from '../../workflows/steps';
import cdkJson from '../../cdk.json';
import { ofType, propertiesOf, templateResources, type Resources } from './template';

/** The app as `cdk synth` builds it (cdk.json context), minus esbuild: bundling.test.ts covers that. */
function synth(context: Record<string, unknown> = {}): { stack: K8sEc2BuilderStack; template: Template; resources: Resources } {
  const { stack } = createApp(testAppProps(cdkJson.context, context));
  const template = Template.fromStack(stack);
  return { stack, template, resources: templateResources(template) };
}

const logicalId = (stack: K8sEc2BuilderStack, element: unknown) => stack.getLogicalId(element as CfnElement);

/** The statements of a function's role policies, as the template holds them. */
function roleStatements(stack: K8sEc2BuilderStack, resources: Resources, fn: HandlerFunction) {
  const roleId = logicalId(stack, fn.role.node.defaultChild);
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Roles.some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.PolicyDocument.Statement);
}

describe('K8sEc2BuilderStack', () => {
  const { stack, template, resources } = synth();
  const machines = { build: stack.workflows.build, teardown: stack.workflows.teardown };
  const definitions = { build: buildDefinition(), teardown: teardownDefinition() };

  it('deploys two STANDARD state machines that log every event without execution data and trace with X-Ray', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
  });

  it.each(Object.keys(machines) as Array<keyof typeof machines>)(
    'substitutes a function ARN for every placeholder of the %s definition',
    (name) => {
      const props = propertiesOf(
        resources,
        logicalId(stack, machines[name].stateMachine.node.defaultChild),
        'AWS::StepFunctions::StateMachine',
      );
      const wanted = definitionSubstitutionNames(definitions[name]);
      expect(Object.keys(props.DefinitionSubstitutions).sort()).toEqual(wanted);
      for (const substitution of wanted) {
        // A step, or the notify function the build invokes itself when a person must act.
        const step = TASK_FUNCTIONS.find((entry) => entry.substitution === substitution);
        expect(step).toBeDefined();
        const fnId =
          step?.handler === NOTIFY_FUNCTION.handler
            ? logicalId(stack, stack.notifyFunction.function.node.defaultChild)
            : ofType(resources, 'AWS::Lambda::Function').find(
                ([, fn]) => fn.Handler === 'index.handler' && String(fn.Description).endsWith(` ${step!.handler}`),
              )?.[0];
        expect(props.DefinitionSubstitutions[substitution]).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      }
    },
  );

  it.each(Object.keys(machines) as Array<keyof typeof machines>)(
    'lets the %s state machine invoke exactly the functions its definition names',
    (name) => {
      const roleId = logicalId(stack, machines[name].stateMachine.role.node.defaultChild);
      const invoke = ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) => p.Roles.some((r) => r.Ref === roleId))
        .flatMap(([, p]) => p.PolicyDocument.Statement)
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('lambda:')));
      expect(invoke).toHaveLength(1);
      expect(invoke[0].Action).toBe('lambda:InvokeFunction');
      const expected = Object.values(machines[name].substitutions).map((fn) => ({
        'Fn::GetAtt': [logicalId(stack, fn.function.node.defaultChild), 'Arn'],
      }));
      expect([invoke[0].Resource].flat()).toEqual(expect.arrayContaining(expected));
      expect([invoke[0].Resource].flat()).toHaveLength(expected.length);
    },
  );

  it('gives every Task a TimeoutSeconds longer than its Lambda timeout, so the Lambda times out first', () => {
    for (const [name, definition] of Object.entries(definitions) as Array<[keyof typeof machines, ReturnType<typeof buildDefinition>]>) {
      for (const [stateName, state] of allStates(definition)) {
        if (state.Type !== 'Task') continue;
        const substitution = /^\$\{(\w+)\}$/.exec(state.Resource)![1];
        const fn = machines[name].substitutions[substitution];
        const lambdaTimeout = propertiesOf(resources, logicalId(stack, fn.function.node.defaultChild), 'AWS::Lambda::Function').Timeout;
        expect({ stateName, exceeds: state.TimeoutSeconds > lambdaTimeout }).toEqual({ stateName, exceeds: true });
      }
    }
  });

  it('runs every function on Node.js 22/24, arm64, with active tracing, a service name and a log group with retention', () => {
    const functions = ofType(resources, 'AWS::Lambda::Function');
    // The steps, api, notify, operations and the orphan report.
    expect(functions).toHaveLength(Object.keys(STEP_FUNCTIONS).length + 4);
    for (const [, fn] of functions) {
      expect(['nodejs22.x', 'nodejs24.x']).toContain(fn.Runtime);
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Timeout).toBeLessThanOrEqual(60);
      expect(fn.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('k8s-ec2-builder');
      const logGroup = propertiesOf(resources, fn.LoggingConfig.LogGroup.Ref, 'AWS::Logs::LogGroup');
      expect(logGroup.RetentionInDays).toBe(cdkJson.context.logRetentionDays);
    }
  });

  it('puts IAM (SigV4) authorisation on every API method and serves exactly the documented routes', () => {
    const methods = ofType(resources, 'AWS::ApiGateway::Method');
    expect(methods).toHaveLength(ROUTES.length);
    for (const [, method] of methods) expect(method.AuthorizationType).toBe('AWS_IAM');
    const routes = stack.api.api.methods.map((m) => `${m.httpMethod} ${m.resource.path}`).sort();
    expect(routes).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(ROUTES.map((r): [string, string, string] => [r.method, r.path, r.fn]))(
    'integrates %s %s with the %s function',
    (verb, path, fn) => {
      const method = stack.api.api.methods.find((m) => m.httpMethod === verb && m.resource.path === path)!;
      const props = propertiesOf(resources, logicalId(stack, method.node.defaultChild), 'AWS::ApiGateway::Method');
      expect(props.Integration.Type).toBe('AWS_PROXY');
      const target = { api: stack.apiFunction, operations: stack.operationsFunction }[fn]!;
      expect(JSON.stringify(props.Integration.Uri)).toContain(`"${logicalId(stack, target.function.node.defaultChild)}"`);
    },
  );

  it.each(['/builds', '/plans'])('validates the POST %s body against a model equal to the build spec schema', (path) => {
    const post = stack.api.api.methods.find((m) => m.httpMethod === 'POST' && m.resource.path === path)!;
    const props = propertiesOf(resources, logicalId(stack, post.node.defaultChild), 'AWS::ApiGateway::Method');
    const validator = propertiesOf(resources, props.RequestValidatorId.Ref, 'AWS::ApiGateway::RequestValidator');
    expect(validator.ValidateRequestBody).toBe(true);
    const model = propertiesOf(resources, props.RequestModels['application/json'].Ref, 'AWS::ApiGateway::Model');
    expect(model.ContentType).toBe('application/json');
    expect(model.Schema).toEqual(specJsonSchema());
  });

  it('logs API access as JSON, traces, and throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: STAGE_NAME,
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('^\\{"requestId":"\\$context.requestId".*\\}$'),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: cdkJson.context.apiThrottleRateLimit,
          ThrottlingBurstLimit: cdkJson.context.apiThrottleBurstLimit,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
    const format = ofType(resources, 'AWS::ApiGateway::Stage')[0][1].AccessLogSetting.Format;
    expect(() => {
      JSON.parse(format.replace(/\$context\.[\w.]+/g, 'x'));
    }).not.toThrow();
  });

  it('routes final execution status changes of both state machines to the notify function', () => {
    const notifyId = logicalId(stack, stack.notifyFunction.function.node.defaultChild);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: Object.values(machines).map((m) => ({ Ref: logicalId(stack, m.stateMachine.node.defaultChild) })),
          status: NOTIFIED_STATUSES,
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [notifyId, 'Arn'] } })],
    });
    expect(NOTIFIED_STATUSES).not.toContain('RUNNING');
  });

  it('gives the api function the state machine ARNs and only start/read access to their executions', () => {
    const apiFn = propertiesOf(resources, logicalId(stack, stack.apiFunction.function.node.defaultChild), 'AWS::Lambda::Function');
    expect(apiFn.Environment.Variables).toMatchObject({
      BUILD_STATE_MACHINE_ARN: { Ref: logicalId(stack, machines.build.stateMachine.node.defaultChild) },
      TEARDOWN_STATE_MACHINE_ARN: { Ref: logicalId(stack, machines.teardown.stateMachine.node.defaultChild) },
    });
    const roleId = logicalId(stack, stack.apiFunction.role.node.defaultChild);
    const actions = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Roles.some((r) => r.Ref === roleId))
      .flatMap(([, p]) => p.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()))
      .filter((a) => a.startsWith('states:'))
      .sort();
    expect(actions).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:ListExecutions', 'states:StartExecution']);
  });

  it('gives the operations function the state machine ARNs, account reads, and StartExecution on the teardown machine only', () => {
    const fn = propertiesOf(resources, logicalId(stack, stack.operationsFunction.function.node.defaultChild), 'AWS::Lambda::Function');
    expect(fn.Environment.Variables).toMatchObject({
      BUILD_STATE_MACHINE_ARN: { Ref: logicalId(stack, machines.build.stateMachine.node.defaultChild) },
      TEARDOWN_STATE_MACHINE_ARN: { Ref: logicalId(stack, machines.teardown.stateMachine.node.defaultChild) },
    });
    const statements = roleStatements(stack, resources, stack.operationsFunction);
    const actions = statements.flatMap((s) => [s.Action].flat());
    // Nothing in EC2, ELB or IAM but reads: the sweep's deletes are the teardown steps', under their own roles.
    expect(actions.filter((a) => /^(ec2|elasticloadbalancing|iam):/.test(a) && !/:(Describe|Get|List)/.test(a))).toEqual([]);
    const start = statements.filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(start.map((s) => s.Resource)).toEqual([{ Ref: logicalId(stack, machines.teardown.stateMachine.node.defaultChild) }]);
    expect(actions.filter((a) => a.startsWith('states:')).sort()).toEqual(['states:DescribeExecution', 'states:StartExecution']);
  });

  it('runs the orphan report every day from a schedule, with read-only access and no way to start a teardown', () => {
    const fnId = logicalId(stack, stack.orphanReport.fn.function.node.defaultChild);
    const rule = propertiesOf(resources, logicalId(stack, stack.orphanReport.rule.node.defaultChild), 'AWS::Events::Rule');
    expect(rule.ScheduleExpression).toBe('cron(0 7 * * ? *)');
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })]);
    const actions = roleStatements(stack, resources, stack.orphanReport.fn).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => !/^(xray|logs):/.test(a) && !/:(Describe|Get|List)/.test(a))).toEqual([]);
    const fn = propertiesOf(resources, fnId, 'AWS::Lambda::Function');
    expect(Object.keys(fn.Environment.Variables)).toEqual(
      expect.arrayContaining(['BUILD_STATE_MACHINE_ARN', 'TEARDOWN_STATE_MACHINE_ARN']),
    );
  });

  it('without slackWebhookSecretName gives notify no secret and no Secrets Manager access', () => {
    const notify = propertiesOf(resources, logicalId(stack, stack.notifyFunction.function.node.defaultChild), 'AWS::Lambda::Function');
    expect(notify.Environment.Variables[SLACK_SECRET_ENV]).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager:');
  });
});

describe('K8sEc2BuilderStack with a Slack webhook secret', () => {
  const { stack, resources } = synth({ slackWebhookSecretName: 'k8s-ec2/slack-webhook' });

  it('passes the secret name (never its value) to notify and the orphan report and lets only them read it', () => {
    const posters = [stack.notifyFunction, stack.orphanReport.fn];
    for (const fn of posters) {
      const props = propertiesOf(resources, logicalId(stack, fn.function.node.defaultChild), 'AWS::Lambda::Function');
      expect(props.Environment.Variables[SLACK_SECRET_ENV]).toBe('k8s-ec2/slack-webhook');
    }
    const readers = ofType(resources, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers.flatMap(([, p]) => p.Roles).sort((a, b) => a.Ref.localeCompare(b.Ref))).toEqual(
      posters.map((fn) => ({ Ref: logicalId(stack, fn.role.node.defaultChild) })).sort((a, b) => a.Ref.localeCompare(b.Ref)),
    );
    for (const [, policy] of readers) {
      const statement = policy.PolicyDocument.Statement.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(JSON.stringify(statement?.Resource)).toContain(':secret:k8s-ec2/slack-webhook-??????');
    }
  });
});
