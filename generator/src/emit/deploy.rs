//! The files that run a connector remotely: a multi-stage `Dockerfile` and a Kubernetes
//! manifest with probes and credentials from a Secret.

use mcpgen_contract::env::EnvNames;

use super::{EmitOptions, header};
use crate::error::{Error, Result};
use crate::plan::Plan;

/// Keeps build output and installed tools out of the image's build context.
pub(super) const DOCKERIGNORE: &str = "# Keeps build output and installed tools out of the image's build context.\n\
     **/target\n**/node_modules\n**/.git\n**/.test-deps\n";

/// The port the container serves MCP on.
const CONTAINER_PORT: u16 = 8080;

/// A multi-stage build: compile in the Rust image, run in a distroless image as a non-root user.
pub(super) fn dockerfile(plan: &Plan, options: &EmitOptions) -> String {
    let name = &plan.connector.name;
    let names = EnvNames::from_prefix(&plan.connector.env_prefix);
    let up = options.runtime_dependency.levels_up();
    let (context, build) = if up == 0 {
        (
            "this directory".to_string(),
            format!("docker build -t {name} ."),
        )
    } else {
        let parents = vec![".."; up].join("/");
        (
            format!(
                "`{parents}`, which holds both this crate and\n# the mcpgen runtime it depends on, \
                 with this crate's path from there as CRATE"
            ),
            format!(
                "cd {parents} && docker build -f CRATE/Dockerfile --build-arg CRATE=CRATE -t {name} ."
            ),
        )
    };
    format!(
        "# {header}\n\
         #\n\
         # The `{name}` connector as a container: MCP over HTTP on port {port}, as a non-root user\n\
         # in a distroless image. Build it from {context}:\n\
         #   {build}\n\
         # Run it with a token clients must send (see README.md, \"Run it as a remote connector\"):\n\
         #   docker run -p {port}:{port} -e {mcp_token}=\"$(openssl rand -hex 32)\" -e {base_url}=… {name}\n\
         \n\
         ARG CRATE=.\n\
         \n\
         FROM rust:1-slim-bookworm AS build\n\
         ARG CRATE\n\
         WORKDIR /src\n\
         COPY . .\n\
         RUN cargo build --release --manifest-path \"$CRATE/Cargo.toml\" --bin {name} --target-dir /out\n\
         \n\
         FROM gcr.io/distroless/cc-debian12:nonroot\n\
         COPY --from=build /out/release/{name} /usr/local/bin/{name}\n\
         USER nonroot:nonroot\n\
         EXPOSE {port}\n\
         ENTRYPOINT [\"/usr/local/bin/{name}\", \"--http\", \"0.0.0.0:{port}\"]\n",
        header = header(options),
        port = CONTAINER_PORT,
        mcp_token = names.mcp_token(),
        base_url = names.base_url(),
    )
}

/// Secret keys are the variable names in kebab-case (`ORDERS_MCP_TOKEN` → `orders-mcp-token`).
fn secret_key(var: &str) -> String {
    var.to_ascii_lowercase().replace('_', "-")
}

/// The container's environment: the base URL, and every secret from the Secret `secret`.
fn container_env(plan: &Plan, names: &EnvNames, secret: &str) -> Vec<serde_json::Value> {
    let c = &plan.connector;
    let mut env = Vec::new();
    if let Some(server) = c.servers.first() {
        let mut url = server.url.clone();
        for v in &server.variables {
            url = url.replace(&format!("{{{}}}", v.name), &v.default);
        }
        env.push(serde_json::json!({"name": names.base_url(), "value": url}));
    }
    let mut secret_vars = vec![names.mcp_token()];
    secret_vars.extend(
        c.security_schemes
            .iter()
            .flat_map(|s| s.env.iter().map(|e| e.name.clone())),
    );
    for var in secret_vars {
        let key = secret_key(&var);
        env.push(
            serde_json::json!({"name": var, "valueFrom": {"secretKeyRef": {
            "name": secret, "key": key, "optional": true}}}),
        );
    }
    env
}

/// A Deployment and a Service, probes wired to `/healthz` and `/readyz`, credentials from a Secret.
pub(super) fn kubernetes(plan: &Plan, options: &EmitOptions) -> Result<String> {
    let name = &plan.connector.name;
    let secret = format!("{name}-secrets");
    let names = EnvNames::from_prefix(&plan.connector.env_prefix);
    let env = container_env(plan, &names, &secret);
    let mcp_token = names.mcp_token();
    let labels = serde_json::json!({"app.kubernetes.io/name": name});
    let probe = |path: &str| serde_json::json!({"httpGet": {"path": path, "port": "mcp"}, "periodSeconds": 10});
    let deployment = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    // Longer than the connector's drain time, so running calls finish.
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": name,
                        "image": format!("{name}:latest"),
                        "args": ["--allow-host", format!("{name}.example.com")],
                        "ports": [{"name": "mcp", "containerPort": CONTAINER_PORT}],
                        "env": env,
                        "livenessProbe": probe("/healthz"),
                        "readinessProbe": probe("/readyz"),
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "capabilities": {"drop": ["ALL"]},
                        },
                    }],
                },
            },
        },
    });
    let service = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "mcp", "port": 80, "targetPort": "mcp"}]},
    });
    let render = |doc: &serde_json::Value| {
        yaml_serde::to_string(doc).map_err(|e| Error::Render {
            what: "deploy/kubernetes.yaml".into(),
            message: e.to_string(),
        })
    };
    Ok(format!(
        "# {header}\n\
         #\n\
         # Runs `{name}` as a remote MCP connector. Before applying: push the image built from the\n\
         # Dockerfile and set `image`; replace {name}.example.com with the public name clients use;\n\
         # create the Secret `{secret}` with `{mcp_token}` (or switch to OAuth, see README.md) and\n\
         # the API credentials, keys in kebab-case:\n\
         #   kubectl create secret generic {secret} --from-literal={mcp_key}=\"$(openssl rand -hex 32)\"\n\
         # Replicas need no session affinity for 2026-07-28 clients; see README.md for 2025-11-25.\n\
         ---\n{}---\n{}",
        render(&deployment)?,
        render(&service)?,
        header = header(options),
        mcp_key = secret_key(&mcp_token),
    ))
}
