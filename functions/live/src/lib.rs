//! The WebSocket API's connection routes. `$connect` carries the agent's session token (browsers
//! cannot set headers on a WebSocket, so it is the `token` query parameter); a live session records
//! the connection under the session's organization until it closes, the session ends or two hours
//! pass. Anything else is refused before a connection exists. `$disconnect` forgets it.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use lambda_runtime::LambdaEvent;
use shared::access::agent_store::AgentStore;
use shared::access::login_store::LoginStore;
use shared::access::role_cache::RoleCache;
use shared::access::role_store::RoleStore;
use shared::live::connection_store::ConnectionStore;
use shared::platform::StoreError;
use shared::platform::config::{ConfigError, EnvSource, vars};
use tracing::{Instrument, info, info_span, warn};

/// Open connections an organization may hold when the template does not say.
pub const DEFAULT_CONNECTIONS_PER_ORG: usize = 500;

#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub table_name: String,
    /// Past this many open connections, an organization's `$connect` answers 429: every event is
    /// posted to each of them, so one organization cannot make the notifier's work unbounded.
    pub connections_per_org: usize,
}

impl LiveConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        let connections_per_org = match env.get(vars::LIVE_CONNECTIONS_PER_ORG) {
            None => DEFAULT_CONNECTIONS_PER_ORG,
            Some(text) => text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ConfigError::Invalid {
                    name: vars::LIVE_CONNECTIONS_PER_ORG,
                    value: text,
                    reason: "expected a whole number above 0",
                })?,
        };
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            connections_per_org,
        })
    }
}

pub struct LiveService {
    logins: LoginStore,
    agents: AgentStore,
    /// What the agent's role lets them see, recorded on the connection for the notifier.
    roles: RoleCache,
    connections: ConnectionStore,
    connections_per_org: usize,
    /// "Now", for sessions' and connections' expiry.
    clock: shared::platform::clock::Clock,
}

/// What a connection route answers; API Gateway refuses the upgrade for anything but 200.
fn answer(status: i64, message: &str) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response.body = Some(Body::Text(
        serde_json::json!({"error": {"code": message, "message": message.replace('_', " ")}}).to_string(),
    ));
    response
}

fn ok() -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = 200;
    response
}

impl LiveService {
    pub fn from_aws(config: &LiveConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        Self {
            logins: LoginStore::new(dynamo.clone(), &config.table_name),
            agents: AgentStore::new(dynamo.clone(), &config.table_name),
            roles: RoleCache::new(Box::new(RoleStore::new(dynamo.clone(), &config.table_name))),
            connections: ConnectionStore::new(dynamo, &config.table_name),
            connections_per_org: config.connections_per_org,
            clock: shared::platform::clock::Clock::system(),
        }
    }

    /// Reads "now" from `clock` (tests move it past a session's expiry).
    pub fn with_clock(mut self, clock: shared::platform::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub async fn handle(
        &self,
        event: LambdaEvent<ApiGatewayWebsocketProxyRequest>,
    ) -> Result<ApiGatewayProxyResponse, lambda_runtime::Error> {
        Ok(self.respond(event.payload).await?)
    }

    /// The answer to one connection event (API Gateway's `$connect` / `$disconnect` route).
    pub async fn respond(
        &self,
        request: ApiGatewayWebsocketProxyRequest,
    ) -> Result<ApiGatewayProxyResponse, StoreError> {
        let context = &request.request_context;
        let route = context.route_key.clone().unwrap_or_default();
        let connection_id = context.connection_id.clone().unwrap_or_default();
        let span = info_span!("live", %route, connection = %connection_id, org = tracing::field::Empty, agent = tracing::field::Empty);
        async {
            if connection_id.is_empty() {
                return Ok(answer(400, "no_connection_id"));
            }
            match route.as_str() {
                "$connect" => self.connect(&request, &connection_id).await,
                "$disconnect" => {
                    self.connections.close(&connection_id).await?;
                    info!("disconnected");
                    Ok(ok())
                }
                // The page sends nothing; anything it might is answered, never acted on.
                _ => Ok(answer(400, "no_such_route")),
            }
        }
        .instrument(span)
        .await
    }

    async fn connect(
        &self,
        request: &ApiGatewayWebsocketProxyRequest,
        connection_id: &str,
    ) -> Result<ApiGatewayProxyResponse, StoreError> {
        let token = request.query_string_parameters.first("token").unwrap_or_default();
        if !shared::access::session::is_session_token(token) {
            warn!("connect without a session token");
            return Ok(answer(401, "unauthenticated"));
        }
        let now_ms = self.clock.now_ms();
        let Some(session) = self.logins.session(token, now_ms).await? else {
            warn!("connect with an unknown, revoked or expired session");
            return Ok(answer(401, "unauthenticated"));
        };
        let Some(agent) = self
            .agents
            .agent(&session.org_id, &session.agent_id)
            .await?
            .filter(|a| a.is_active)
        else {
            warn!("connect with the session of a deactivated agent");
            return Ok(answer(401, "unauthenticated"));
        };
        tracing::Span::current()
            .record("org", session.org_id.as_str())
            .record("agent", session.agent_id.as_str());
        // A count that concurrent connects may pass by a few: a bound on cost, not a quota.
        let open = self.connections.of_organization(&session.org_id, now_ms).await?.len();
        if open >= self.connections_per_org {
            warn!(
                open,
                cap = self.connections_per_org,
                "connect refused: the organization's connections are at the cap"
            );
            return Ok(answer(429, "too_many_connections"));
        }
        let expires_ms = shared::live::connection_expires_ms(now_ms, session.expires_ms);
        let grants = self.roles.grants(&agent.org_id, &agent.role).await?;
        let opened = shared::live::connection_store::Opened {
            org_id: &session.org_id,
            agent_id: &session.agent_id,
            session_id: &session.session_id,
            role_id: &agent.role,
            visibility: grants.visibility(),
            division_ids: &agent.division_ids,
        };
        self.connections.open(&opened, connection_id, expires_ms).await?;
        info!("connected");
        Ok(ok())
    }
}
