import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { createApp, testAppProps } from '../../infra/application';
import { ROUTES, STAGE_NAME } from '../../infra/api';
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
    expect(functions).toHaveLength(Object.keys(STEP_FUNCTIONS).length + 2);
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

  it('validates the POST /builds body against a model equal to the build spec schema', () => {
    const post = stack.api.api.methods.find((m) => m.httpMethod === 'POST' && m.resource.path === '/builds')!;
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

  it('without slackWebhookSecretName gives notify no secret and no Secrets Manager access', () => {
    const notify = propertiesOf(resources, logicalId(stack, stack.notifyFunction.function.node.defaultChild), 'AWS::Lambda::Function');
    expect(notify.Environment.Variables[SLACK_SECRET_ENV]).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager:');
  });
});

describe('K8sEc2BuilderStack with a Slack webhook secret', () => {
  const { stack, resources } = synth({ slackWebhookSecretName: 'k8s-ec2/slack-webhook' });

  it('passes the secret name (never its value) to notify and lets only notify read it', () => {
    const notify = propertiesOf(resources, logicalId(stack, stack.notifyFunction.function.node.defaultChild), 'AWS::Lambda::Function');
    expect(notify.Environment.Variables[SLACK_SECRET_ENV]).toBe('k8s-ec2/slack-webhook');
    const notifyRole = logicalId(stack, stack.notifyFunction.role.node.defaultChild);
    const readers = ofType(resources, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers).toHaveLength(1);
    expect(readers[0][1].Roles).toEqual([{ Ref: notifyRole }]);
    const statement = readers[0][1].PolicyDocument.Statement.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(statement?.Resource)).toContain(':secret:k8s-ec2/slack-webhook-??????');
  });
});
