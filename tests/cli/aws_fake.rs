//! A stateful fake of the AWS APIs `gpu up`, `ls` and `down` use, on one loopback port: every
//! request's SigV4 signature is checked again with the test secret (a wrong one is answered
//! `AuthFailure`, 401, as EC2 does); the Price List `GetProducts` (the adapter's us-west-2
//! fixture), EC2 Query API actions as GET (`DescribeSpotPriceHistory`, `DescribeKeyPairs` by
//! fingerprint, `ImportKeyPair`, `DescribeSecurityGroups`, `CreateSecurityGroup`,
//! `AuthorizeSecurityGroupIngress`, `RunInstances` with `ClientToken` idempotency,
//! `DescribeInstances` with `tag:Name` and state filters, `TerminateInstances`), SSM
//! `GetParameter` (JSON 1.1) and a checkip endpoint. Answers are XML in the 2016-11-15 shapes
//! (namespace with its trailing `/`, `<item>` lists, `<Response><Errors>` errors).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use sha2::{Digest, Sha256};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::launch_suite::LaunchFake;
use crate::support::GpuTest;

pub const SECRET: &str = "aws-test-secret-0123456789";
pub const ACCESS_KEY_ID: &str = "AKIDFAKETEST0001";
const PRODUCTS: &str = include_str!("../../providers/src/aws/fixtures/products-us-west-2.json");
const STORAGE: &str = include_str!("../../providers/src/aws/fixtures/storage-gp3-us-west-2.json");
const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
pub const AMI: &str = "ami-0d1c2b3a4f5e6d7c8";

#[derive(Debug, Clone)]
pub struct Ec2Instance {
    pub id: String,
    pub instance_type: String,
    pub zone: String,
    pub state: String,
    pub tags: Vec<(String, String)>,
    pub spot: bool,
    pub params: HashMap<String, String>,
    pub reservation: String,
}

#[derive(Debug, Default)]
pub struct AwsState {
    pub instances: Vec<Ec2Instance>,
    /// (name, fingerprint)
    pub keys: Vec<(String, String)>,
    /// (group id, name, allowed cidrs)
    pub groups: Vec<(String, String, Vec<String>)>,
    /// ClientToken -> (the other parameters, instance id)
    pub tokens: HashMap<String, (HashMap<String, String>, String)>,
    pub run_calls: u32,
    pub no_capacity_once: bool,
    pub throttle_runs: u32,
    pub run_delay: Option<Duration>,
    pub bad_signatures: u32,
    /// The next DescribeSecurityGroups answers as if there were none (another launch made
    /// the group between this one's read and its create).
    pub hide_groups_once: bool,
    /// DescribeInstances is not allowed to these credentials (a key for prices only).
    pub deny_describe_instances: bool,
    /// Every answer given (service, operation, status, body), for the botocore check.
    pub answers: Vec<serde_json::Value>,
}

#[derive(Clone, Default)]
pub struct AwsFake {
    pub state: Arc<Mutex<AwsState>>,
}

impl AwsFake {
    pub async fn start() -> (MockServer, AwsFake) {
        let fake = AwsFake::default();
        (crate::support::serve_fake(&fake).await, fake)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut AwsState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// A test for this fake: credentials, one region, SSH from a fixed address.
    pub fn gpu_test(server: &MockServer) -> GpuTest {
        GpuTest::new()
            .fake("aws", server)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .config(&format!(
                "[providers.aws]\nregions = [\"us-west-2\"]\ncheckip_url = \"{}/checkip\"\n",
                server.uri()
            ))
            .with_ssh_key()
    }
}

thread_local! {
    /// The operation being answered, and the answers given to it, while `respond` runs (on one
    /// thread): each answer is kept in [`AwsState::answers`] for botocore to read.
    static ANSWERING: std::cell::RefCell<(&'static str, String, Vec<serde_json::Value>)> =
        const { std::cell::RefCell::new(("", String::new(), Vec::new())) };
}

fn note(status: u16, body: &str) {
    ANSWERING.with(|a| {
        let mut a = a.borrow_mut();
        let (service, operation) = (a.0, a.1.clone());
        a.2.push(
            serde_json::json!({"service": service, "operation": operation,
            "status": status, "body": body}),
        );
    });
}

fn xml(action: &str, inner: &str) -> ResponseTemplate {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<{action}Response xmlns="{NS}"><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>{inner}</{action}Response>"#
    );
    note(200, &body);
    ResponseTemplate::new(200).set_body_raw(body, "text/xml;charset=UTF-8")
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>"#
    );
    note(status, &body);
    ResponseTemplate::new(status).set_body_raw(body, "text/xml;charset=UTF-8")
}

/// A JSON 1.1 answer (Price List, SSM).
fn json_answer(status: u16, body: String) -> ResponseTemplate {
    note(status, &body);
    ResponseTemplate::new(status).set_body_raw(body, "application/x-amz-json-1.1")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The fingerprint EC2 gives an imported ED25519 key: base64 SHA-256 of the blob, padded.
fn fingerprint(public_key: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let blob = public_key
        .split_whitespace()
        .nth(1)
        .and_then(|b| b64.decode(b).ok())
        .unwrap_or_default();
    b64.encode(Sha256::digest(&blob))
}

fn instance_xml(i: &Ec2Instance) -> String {
    let code = match i.state.as_str() {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        _ => 80,
    };
    let ip = if i.state == "running" {
        "<ipAddress>127.0.0.1</ipAddress><dnsName>ec2-127-0-0-1.us-west-2.compute.amazonaws.com</dnsName>"
    } else {
        "<dnsName/>"
    };
    let tags: String = i
        .tags
        .iter()
        .map(|(k, v)| {
            format!(
                "<item><key>{}</key><value>{}</value></item>",
                esc(k),
                esc(v)
            )
        })
        .collect();
    let lifecycle = if i.spot {
        "<instanceLifecycle>spot</instanceLifecycle>"
    } else {
        ""
    };
    format!(
        "<item><instanceId>{}</instanceId><imageId>{AMI}</imageId><instanceState><code>{code}</code><name>{}</name></instanceState>\
         <privateDnsName>ip-10-0-0-5.us-west-2.compute.internal</privateDnsName>{ip}<reason/><keyName>{}</keyName><amiLaunchIndex>0</amiLaunchIndex>\
         <productCodes/><instanceType>{}</instanceType><launchTime>2026-12-02T08:00:00.000Z</launchTime>\
         <placement><availabilityZone>{}</availabilityZone><groupName/><tenancy>default</tenancy></placement>{lifecycle}\
         <clientToken>{}</clientToken><tagSet>{tags}</tagSet><architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType></item>",
        i.id,
        i.state,
        esc(i.params.get("KeyName").map(String::as_str).unwrap_or_default()),
        i.instance_type,
        i.zone,
        esc(i.params.get("ClientToken").map(String::as_str).unwrap_or_default()),
    )
}

/// `Filter.N.Name` -> its values.
fn filters(q: &HashMap<String, String>) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for n in 1..10 {
        let Some(name) = q.get(&format!("Filter.{n}.Name")) else {
            break;
        };
        let values: Vec<String> = (1..20)
            .map_while(|v| q.get(&format!("Filter.{n}.Value.{v}")).cloned())
            .collect();
        out.insert(name.clone(), values);
    }
    out
}

/// A form body's pairs, fully decoded.
pub fn form(body: &[u8]) -> HashMap<String, String> {
    url_pairs(&String::from_utf8_lossy(body))
}

fn url_pairs(query: &str) -> HashMap<String, String> {
    let url = format!("http://x/?{query}");
    wiremock::http::Url::parse(&url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn glob(pattern: &str, s: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => s.starts_with(prefix),
        None => pattern == s,
    }
}

impl AwsFake {
    fn signed(&self, req: &Request) -> bool {
        let h = |n: &str| {
            req.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let auth = h("authorization");
        // `Credential=AKID/DATE/REGION/SERVICE/aws4_request`
        let scope: Vec<&str> = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split(',').next())
            .unwrap_or_default()
            .split('/')
            .collect();
        let [_, _, region, service, "aws4_request"] = scope[..] else {
            return false;
        };
        let signed_names = auth
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_default()
            .to_string();
        let extra: Vec<(&'static str, String)> = ["content-type", "x-amz-target"]
            .into_iter()
            .filter(|n| signed_names.split(';').any(|s| s == *n))
            .map(|n| (n, h(n)))
            .collect();
        gpu_providers::verify_aws_signature(
            SECRET,
            &auth,
            req.method.as_str(),
            &h("host"),
            req.url.path(),
            req.url.query().unwrap_or_default(),
            &extra,
            &req.body,
            region,
            service,
            &h("x-amz-date"),
        )
    }

    fn ec2(&self, s: &mut AwsState, q: &HashMap<String, String>) -> ResponseTemplate {
        let action = q.get("Action").map(String::as_str).unwrap_or_default();
        if q.get("Version").map(String::as_str) != Some("2016-11-15") {
            return error(400, "InvalidParameterValue", "Version must be 2016-11-15");
        }
        match action {
            "DescribeSpotPriceHistory" => xml(
                action,
                "<spotPriceHistorySet>\
                 <item><instanceType>g6e.xlarge</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.731300</spotPrice><timestamp>2026-12-02T07:00:00.000Z</timestamp><availabilityZone>us-west-2b</availabilityZone></item>\
                 <item><instanceType>g6e.xlarge</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.745100</spotPrice><timestamp>2026-12-02T07:00:00.000Z</timestamp><availabilityZone>us-west-2c</availabilityZone></item>\
                 </spotPriceHistorySet><nextToken/>",
            ),
            "DescribeImages" => {
                if q.get("ImageId.1").map(String::as_str) != Some(AMI) {
                    return xml(action, "<imagesSet/>");
                }
                xml(action, &format!("<imagesSet><item><imageId>{AMI}</imageId><imageLocation>amazon/Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20261125</imageLocation><imageState>available</imageState><imageOwnerId>898082745236</imageOwnerId><isPublic>true</isPublic><architecture>x86_64</architecture><imageType>machine</imageType><name>Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20261125</name><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/sda1</rootDeviceName><blockDeviceMapping><item><deviceName>/dev/sda1</deviceName><ebs><snapshotId>snap-0123456789abcdef0</snapshotId><volumeSize>75</volumeSize><deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType></ebs></item></blockDeviceMapping><virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor></item></imagesSet>"))
            }
            "DescribeKeyPairs" => {
                let f = filters(q);
                let wanted = f.get("fingerprint").cloned().unwrap_or_default();
                let items: String = s
                    .keys
                    .iter()
                    .filter(|(_, fp)| wanted.iter().any(|w| w == fp))
                    .map(|(name, fp)| format!("<item><keyPairId>key-0b94643da6example</keyPairId><keyType>ed25519</keyType><tagSet/><keyName>{name}</keyName><keyFingerprint>{fp}</keyFingerprint></item>"))
                    .collect();
                xml(action, &format!("<keySet>{items}</keySet>"))
            }
            "ImportKeyPair" => {
                let name = q.get("KeyName").cloned().unwrap_or_default();
                if s.keys.iter().any(|(n, _)| *n == name) {
                    return error(400, "InvalidKeyPair.Duplicate", &format!("The keypair '{name}' already exists."));
                }
                let material = q
                    .get("PublicKeyMaterial")
                    .and_then(|m| base64::engine::general_purpose::STANDARD.decode(m).ok())
                    .map(|m| String::from_utf8_lossy(&m).into_owned())
                    .unwrap_or_default();
                if !material.starts_with("ssh-") {
                    return error(400, "InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format");
                }
                let fp = fingerprint(&material);
                s.keys.push((name.clone(), fp.clone()));
                xml(action, &format!("<keyName>{name}</keyName><keyPairId>key-0b94643da6example</keyPairId><keyFingerprint>{fp}</keyFingerprint><tagSet/>"))
            }
            "DescribeVpcs" => {
                let f = filters(q);
                if f.get("isDefault").is_some_and(|v| v != &["true"]) {
                    return xml(action, "<vpcSet/>");
                }
                xml(action, "<vpcSet><item><vpcId>vpc-11112222</vpcId><state>available</state><cidrBlock>172.31.0.0/16</cidrBlock><isDefault>true</isDefault><tagSet/></item></vpcSet>")
            }
            "DescribeSecurityGroups" => {
                let f = filters(q);
                if std::mem::take(&mut s.hide_groups_once) {
                    return xml(action, "<securityGroupInfo/>");
                }
                if f.get("vpc-id").is_some_and(|v| v != &["vpc-11112222"]) {
                    return xml(action, "<securityGroupInfo/>");
                }
                let names = f.get("group-name").cloned().unwrap_or_default();
                let items: String = s
                    .groups
                    .iter()
                    .filter(|(_, n, _)| names.is_empty() || names.contains(n))
                    .map(|(id, n, cidrs)| {
                        let perms: String = if cidrs.is_empty() {
                            String::new()
                        } else {
                            let ranges: String = cidrs.iter().map(|c| format!("<item><cidrIp>{c}</cidrIp></item>")).collect();
                            format!("<item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><groups/><ipRanges>{ranges}</ipRanges><ipv6Ranges/><prefixListIds/></item>")
                        };
                        format!("<item><ownerId>123456789012</ownerId><groupId>{id}</groupId><groupName>{n}</groupName><groupDescription>gpu</groupDescription><vpcId>vpc-11112222</vpcId><ipPermissions>{perms}</ipPermissions><ipPermissionsEgress/><tagSet><item><key>gpu</key><value>ssh</value></item></tagSet></item>")
                    })
                    .collect();
                xml(action, &format!("<securityGroupInfo>{items}</securityGroupInfo>"))
            }
            "CreateSecurityGroup" => {
                let name = q.get("GroupName").cloned().unwrap_or_default();
                if q.get("VpcId").is_some_and(|v| v != "vpc-11112222") {
                    return error(400, "InvalidVpcID.NotFound", "The vpc ID does not exist");
                }
                if s.groups.iter().any(|(_, n, _)| *n == name) {
                    return error(400, "InvalidGroup.Duplicate", &format!("The security group '{name}' already exists for VPC 'vpc-11112222'"));
                }
                let id = format!("sg-0a42d66a{:08}", s.groups.len() + 1);
                s.groups.push((id.clone(), name, Vec::new()));
                xml(action, &format!("<return>true</return><groupId>{id}</groupId>"))
            }
            "AuthorizeSecurityGroupIngress" => {
                let id = q.get("GroupId").cloned().unwrap_or_default();
                let cidr = q.get("IpPermissions.1.IpRanges.1.CidrIp").cloned().unwrap_or_default();
                let Some(g) = s.groups.iter_mut().find(|(g, _, _)| *g == id) else {
                    return error(400, "InvalidGroup.NotFound", &format!("The security group '{id}' does not exist"));
                };
                if g.2.contains(&cidr) {
                    return error(400, "InvalidPermission.Duplicate", "the specified rule already exists");
                }
                g.2.push(cidr);
                xml(action, "<return>true</return>")
            }
            "RunInstances" => self.run(s, q),
            "DescribeInstances" if s.deny_describe_instances => error(
                403,
                "UnauthorizedOperation",
                "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/prices is not authorized to perform: ec2:DescribeInstances",
            ),
            "DescribeInstances" => {
                let f = filters(q);
                let names = f.get("tag:Name").cloned().unwrap_or_default();
                let states = f.get("instance-state-name").cloned().unwrap_or_default();
                // Terminated ones leave; pending ones boot; shutting-down ones end.
                for i in &mut s.instances {
                    match i.state.as_str() {
                        "pending" => i.state = "running".into(),
                        "shutting-down" => i.state = "terminated".into(),
                        _ => {}
                    }
                }
                let items: String = s
                    .instances
                    .iter()
                    .filter(|i| {
                        let name = i.tags.iter().find(|(k, _)| k == "Name").map(|(_, v)| v.as_str()).unwrap_or_default();
                        (names.is_empty() || names.iter().any(|p| glob(p, name)))
                            && (states.is_empty() || states.contains(&i.state))
                    })
                    .map(|i| {
                        format!(
                            "<item><reservationId>{}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>{}</instancesSet></item>",
                            i.reservation,
                            instance_xml(i)
                        )
                    })
                    .collect();
                xml(action, &format!("<reservationSet>{items}</reservationSet>"))
            }
            "TerminateInstances" => {
                let id = q.get("InstanceId.1").cloned().unwrap_or_default();
                if !id.starts_with("i-") {
                    return error(400, "InvalidInstanceID.Malformed", &format!("Invalid id: \"{id}\""));
                }
                let Some(i) = s.instances.iter_mut().find(|i| i.id == id) else {
                    return error(400, "InvalidInstanceID.NotFound", &format!("The instance ID '{id}' does not exist"));
                };
                let previous = i.state.clone();
                if i.state != "terminated" {
                    i.state = "shutting-down".into();
                }
                xml(action, &format!("<instancesSet><item><instanceId>{id}</instanceId><currentState><code>32</code><name>{}</name></currentState><previousState><code>16</code><name>{previous}</name></previousState></item></instancesSet>", i.state))
            }
            other => error(400, "InvalidAction", &format!("The action {other} is not valid for this web service.")),
        }
    }

    fn run(&self, s: &mut AwsState, q: &HashMap<String, String>) -> ResponseTemplate {
        s.run_calls += 1;
        if s.throttle_runs > 0 {
            s.throttle_runs -= 1;
            return error(503, "RequestLimitExceeded", "Request limit exceeded.");
        }
        if std::mem::take(&mut s.no_capacity_once) {
            let t = q.get("InstanceType").cloned().unwrap_or_default();
            return error(500, "InsufficientInstanceCapacity", &format!("We currently do not have sufficient {t} capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity."));
        }
        if q.get("UserData").is_some_and(|u| {
            base64::engine::general_purpose::STANDARD
                .decode(u)
                .map_or(true, |d| d.len() > 16 * 1024)
        }) {
            return error(
                400,
                "InvalidParameterValue",
                "User data is limited to 16384 bytes",
            );
        }
        for required in ["ImageId", "InstanceType", "MinCount", "MaxCount"] {
            if !q.contains_key(required) {
                return error(
                    400,
                    "MissingParameter",
                    &format!("The request must contain the parameter {required}"),
                );
            }
        }
        if q.get("ImageId").map(String::as_str) != Some(AMI) {
            return error(400, "InvalidAMIID.NotFound", "The image id does not exist");
        }
        let key = q.get("KeyName").cloned().unwrap_or_default();
        if !s.keys.iter().any(|(n, _)| *n == key) {
            return error(
                400,
                "InvalidKeyPair.NotFound",
                &format!("The key pair '{key}' does not exist"),
            );
        }
        let mut params = q.clone();
        let token = params.remove("ClientToken");
        params.remove("Action");
        if let Some(t) = &token {
            if let Some((earlier, id)) = s.tokens.get(t) {
                if *earlier != params {
                    return error(400, "IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).");
                }
                let i = s.instances.iter().find(|i| i.id == *id).unwrap().clone();
                if i.state == "terminated" || i.state == "shutting-down" {
                    return error(400, "IdempotentInstanceTerminated", "The client token you have provided is associated with a terminated instance. Please use a different client token.");
                }
                return self.reservation(&i, s.run_delay);
            }
        }
        let n = s.instances.len() + 1;
        let mut tags = Vec::new();
        let instance_tags =
            q.get("TagSpecification.1.ResourceType").map(String::as_str) == Some("instance");
        for t in 1..10 {
            if !instance_tags {
                break;
            }
            let Some(k) = q.get(&format!("TagSpecification.1.Tag.{t}.Key")) else {
                break;
            };
            let v = q
                .get(&format!("TagSpecification.1.Tag.{t}.Value"))
                .cloned()
                .unwrap_or_default();
            tags.push((k.clone(), v));
        }
        let spot = q
            .get("InstanceMarketOptions.MarketType")
            .map(String::as_str)
            == Some("spot");
        let mut full = params.clone();
        if let Some(t) = &token {
            full.insert("ClientToken".into(), t.clone());
        }
        let i = Ec2Instance {
            id: format!("i-0a1b2c3d4e5f{n:05}"),
            instance_type: q["InstanceType"].clone(),
            zone: q
                .get("Placement.AvailabilityZone")
                .cloned()
                .unwrap_or_else(|| "us-west-2a".into()),
            state: "pending".into(),
            tags,
            spot,
            params: full,
            reservation: format!("r-0123456789abc{n:04}"),
        };
        if let Some(t) = token {
            s.tokens.insert(t, (params, i.id.clone()));
        }
        s.instances.push(i.clone());
        self.reservation(&i, s.run_delay)
    }

    fn reservation(&self, i: &Ec2Instance, delay: Option<Duration>) -> ResponseTemplate {
        let answer = xml(
            "RunInstances",
            &format!(
                "<reservationId>{}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>{}</instancesSet>",
                i.reservation,
                instance_xml(i)
            ),
        );
        match delay {
            Some(d) => answer.set_delay(d),
            None => answer,
        }
    }
}

impl Respond for AwsFake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let target = req
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let (service, operation) = match target.split_once('.') {
            Some(("AWSPriceListService", op)) => ("pricing", op.to_string()),
            Some(("AmazonSSM", op)) => ("ssm", op.to_string()),
            _ => {
                let q: HashMap<String, String> = if req.method.as_str() == "GET" {
                    req.url.query_pairs().into_owned().collect()
                } else {
                    form(&req.body)
                };
                ("ec2", q.get("Action").cloned().unwrap_or_default())
            }
        };
        ANSWERING.with(|a| *a.borrow_mut() = (service, operation, Vec::new()));
        let answer = self.answer(req);
        let given = ANSWERING.with(|a| std::mem::take(&mut a.borrow_mut().2));
        self.state.lock().unwrap().answers.extend(given);
        answer
    }
}

impl AwsFake {
    fn answer(&self, req: &Request) -> ResponseTemplate {
        if req.url.path() == "/checkip" {
            return ResponseTemplate::new(200).set_body_string("203.0.113.7\n");
        }
        let mut s = self.state.lock().unwrap();
        if !self.signed(req) {
            s.bad_signatures += 1;
            return error(
                401,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials",
            );
        }
        let target = req
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        match (req.method.as_str(), target) {
            ("POST", "AWSPriceListService.GetProducts") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let storage = body["Filters"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|f| f["Value"] == "Storage"));
                let answer = if storage { STORAGE } else { PRODUCTS };
                json_answer(200, answer.to_string())
            }
            ("POST", "AmazonSSM.GetParameter") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let name = body["Name"].as_str().unwrap_or_default();
                if !name.starts_with("/aws/service/deeplearning/ami/x86_64/") {
                    return json_answer(400, r#"{"__type":"ParameterNotFound"}"#.into());
                }
                json_answer(
                    200,
                    serde_json::json!({"Parameter": {"Name": name, "Type": "String", "Value": AMI,
                        "Version": 87, "LastModifiedDate": 1_764_000_000.123, "DataType": "text",
                        "ARN": format!("arn:aws:ssm:us-west-2::parameter{name}")}})
                    .to_string(),
                )
            }
            // The Query API, as a GET (the adapter's spot price reads) or as the SDKs send
            // it, a POST of a form.
            ("GET", "") => {
                let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
                if q.get("Action").map(String::as_str) == Some("RunInstances") {
                    return error(400, "InvalidRequest", "RunInstances is sent as a POST here");
                }
                self.ec2(&mut s, &q)
            }
            ("POST", "") => {
                let q: HashMap<String, String> = form(&req.body);
                self.ec2(&mut s, &q)
            }
            _ => error(400, "InvalidAction", "unknown request"),
        }
    }
}

impl LaunchFake for AwsFake {
    const ID: &'static str = "aws";
    const CREATE_MARK: &'static str = r#""Action":"RunInstances""#;
    async fn start() -> (MockServer, Self) {
        AwsFake::start().await
    }
    fn test(server: &MockServer) -> GpuTest {
        AwsFake::gpu_test(server)
    }
    fn up_args() -> Vec<&'static str> {
        vec!["--provider", "aws", "--gpu", "l40s"]
    }
    fn answers(&self) -> Vec<serde_json::Value> {
        self.with(|s| s.answers.clone())
    }
    fn billing(&self) -> Vec<String> {
        self.with(|s| {
            s.instances
                .iter()
                .filter(|i| i.state == "pending" || i.state == "running")
                .map(|i| format!("{}@us-west-2", i.id))
                .collect()
        })
    }
    fn creates(&self) -> u32 {
        self.with(|s| s.run_calls)
    }
    fn no_capacity_once(&self) {
        self.with(|s| s.no_capacity_once = true);
    }
    fn rate_limit_creates(&self, n: u32) {
        self.with(|s| s.throttle_runs = n);
    }
    fn delay_create_answers(&self, by: Duration) {
        self.with(|s| s.run_delay = Some(by));
    }
    fn add_orphan(&self, name: &str, owner: &str) -> String {
        self.with(|s| {
            let n = s.instances.len() + 1;
            let i = Ec2Instance {
                id: format!("i-0fedcba98765{n:05}"),
                instance_type: "g6e.xlarge".into(),
                zone: "us-west-2a".into(),
                state: "running".into(),
                tags: vec![
                    ("Name".into(), name.into()),
                    ("gpu-owner".into(), owner.into()),
                ],
                spot: false,
                params: HashMap::new(),
                reservation: format!("r-0fedcba987654{n:04}"),
            };
            let id = format!("{}@us-west-2", i.id);
            s.instances.push(i);
            id
        })
    }
}
