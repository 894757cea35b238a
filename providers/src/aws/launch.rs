//! Renting on EC2, region by region, with the same SigV4 credentials as the prices:
//! - the image: `--image ami-...`, else the newest Deep Learning AMI (Ubuntu 22.04, NVIDIA
//!   driver) that the public SSM parameter [`DLAMI_PARAMETER`] names in that region;
//! - the key: one imported from the user's public key (`ImportKeyPair`), found again by its
//!   EC2 fingerprint, never imported twice;
//! - the security group `gpu-ssh` (created once in the default VPC, tagged `gpu=ssh`), opened
//!   on port 22 to the caller's address only (`ssh_cidr`, else what `checkip_url` answers);
//! - `RunInstances` with a `ClientToken` derived from the name and the offer (a repeated
//!   create returns the same instance), tags `Name`, `gpu-owner`, `gpu-deadline` on the
//!   instance and its volume, `InstanceInitiatedShutdownBehavior=terminate`, and with a
//!   deadline a `shutdown -h` at boot that ends it from inside;
//! - `DescribeInstances` of `Name=gpu-*` in every configured region; `TerminateInstances`.
//!
//! Instance ids are `i-...@region`: EC2 ids name no region, and `gpu down` must know where.

use super::xml::{self, Node};
use super::{ec2_error, keys, sigv4, Aws, EC2_VERSION, ID};
use crate::error::{ErrorKind, ProviderError};
use crate::http::{self, Request};
use crate::instance::{Instance, LaunchRequest, PlannedRequest, Ssh, State};
use crate::{boot, sshkey};

/// Ubuntu 22.04 with the NVIDIA driver, CUDA and Docker: the Deep Learning Base OSS AMI.
pub(super) const DLAMI_PARAMETER: &str =
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id";
pub(super) const DEFAULT_CHECKIP: &str = "https://checkip.amazonaws.com";
const SECURITY_GROUP: &str = "gpu-ssh";
/// The root volume when `--disk` is not given, GB (the DLAMI's own root is 75 GB).
pub(super) const DEFAULT_DISK_GB: u32 = 100;
const SSH_USER: &str = "ubuntu";

/// `TYPE@REGION` or `TYPE@ZONE:spot` -> (type, region, zone, spot).
pub(super) fn split_offer(
    offer: &str,
) -> Result<(&str, String, Option<String>, bool), ProviderError> {
    let (rest, spot) = match offer.strip_suffix(":spot") {
        Some(r) => (r, true),
        None => (offer, false),
    };
    let Some((instance_type, place)) = rest
        .split_once('@')
        .filter(|(t, p)| !t.is_empty() && !p.is_empty())
    else {
        return Err(ProviderError::new(
            ID,
            ErrorKind::Invalid,
            format!(
                "`aws:{offer}` is not an AWS offer id (`aws:TYPE@REGION` or `aws:TYPE@ZONE:spot`)"
            ),
        ));
    };
    // `us-west-2b` is a zone of `us-west-2`.
    let zone = place.ends_with(|c: char| c.is_ascii_lowercase())
        && place.contains(|c: char| c.is_ascii_digit());
    if zone {
        let region = place
            .trim_end_matches(|c: char| c.is_ascii_lowercase())
            .to_string();
        Ok((instance_type, region, Some(place.to_string()), spot))
    } else {
        Ok((instance_type, place.to_string(), None, spot))
    }
}

/// `i-...@region` -> (id, region).
fn split_id(id: &str) -> Option<(&str, &str)> {
    let (i, r) = id.split_once('@')?;
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (i.starts_with("i-") && ok(i) && ok(r)).then_some((i, r))
}

/// The idempotency token: the name, the offer and the attempt, at most 64 ASCII characters.
/// The same `gpu up` sending its create again sends the same token; another offer, or a later
/// launch of the name (after a `gpu down`), another token.
pub(super) fn client_token(req: &LaunchRequest) -> String {
    let tagged = req.tagged_name();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tagged
        .bytes()
        .chain(b"|".iter().copied())
        .chain(req.offer.bytes())
        .chain(b"|".iter().copied())
        .chain(req.attempt.as_deref().unwrap_or_default().bytes())
    {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let name: String = req
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    format!("{name}.{hash:016x}")
}

/// What the instance runs at boot: with a deadline, a shutdown at that moment first (the
/// instance terminates on shutdown), then `--env` and `--startup-script` as on Lambda.
fn user_data(req: &LaunchRequest) -> Result<Option<String>, ProviderError> {
    let Some(deadline) = req.deadline else {
        return boot::user_data(ID, req);
    };
    if req
        .startup_script
        .as_deref()
        .is_some_and(|s| s.trim_start().starts_with("#cloud-config"))
    {
        return Err(ProviderError::new(
            ID,
            ErrorKind::Invalid,
            "a `#cloud-config` startup script cannot be combined with `--ttl` on AWS (the deadline is a shell line in the same user data); use a shell script",
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let minutes = deadline.saturating_sub(now).div_ceil(60).max(1);
    // A systemd timer at the deadline itself, persistent, so a reboot does not drop it (and
    // a boot after the deadline shuts down at once); `shutdown +N` where systemd is missing.
    let at = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(deadline),
    )
    .to_string()
    .replace('T', " ")
    .replace('Z', " UTC");
    let prelude = format!(
        "cat > /etc/systemd/system/gpu-deadline.service <<'GPU_UNIT_EOF'\n\
         [Unit]\nDescription=gpu: the deadline is reached\n[Service]\nType=oneshot\nExecStart=/sbin/shutdown -h now\n\
         GPU_UNIT_EOF\n\
         cat > /etc/systemd/system/gpu-deadline.timer <<'GPU_UNIT_EOF'\n\
         [Timer]\nOnCalendar={at}\nPersistent=true\n[Install]\nWantedBy=timers.target\n\
         GPU_UNIT_EOF\n\
         (systemctl daemon-reload && systemctl enable --now gpu-deadline.timer) || shutdown -h +{minutes} 'gpu: deadline reached' || true"
    );
    Ok(boot::boot_script(ID, req, Some(&prelude))?.map(|s| format!("#!/bin/bash\n{s}")))
}

/// `RunInstances`' parameters, in the Query API's flattened names.
pub(super) fn run_params(
    req: &LaunchRequest,
    image: &str,
    root_device: &str,
    key_name: &str,
    group_id: &str,
) -> Result<Vec<(String, String)>, ProviderError> {
    let (instance_type, _, zone, spot) = split_offer(&req.offer)?;
    let mut p: Vec<(String, String)> = vec![
        ("Action".into(), "RunInstances".into()),
        ("Version".into(), EC2_VERSION.into()),
        ("ImageId".into(), image.into()),
        ("InstanceType".into(), instance_type.into()),
        ("MinCount".into(), "1".into()),
        ("MaxCount".into(), "1".into()),
        ("KeyName".into(), key_name.into()),
        ("SecurityGroupId.1".into(), group_id.into()),
        ("ClientToken".into(), client_token(req)),
        (
            "InstanceInitiatedShutdownBehavior".into(),
            "terminate".into(),
        ),
        ("BlockDeviceMapping.1.DeviceName".into(), root_device.into()),
        (
            "BlockDeviceMapping.1.Ebs.VolumeSize".into(),
            req.disk_gb.unwrap_or(DEFAULT_DISK_GB).to_string(),
        ),
        ("BlockDeviceMapping.1.Ebs.VolumeType".into(), "gp3".into()),
        (
            "BlockDeviceMapping.1.Ebs.DeleteOnTermination".into(),
            "true".into(),
        ),
    ];
    if let Some(z) = zone {
        p.push(("Placement.AvailabilityZone".into(), z));
    }
    if spot {
        p.push(("InstanceMarketOptions.MarketType".into(), "spot".into()));
        p.push((
            "InstanceMarketOptions.SpotOptions.SpotInstanceType".into(),
            "one-time".into(),
        ));
        p.push((
            "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior".into(),
            "terminate".into(),
        ));
        // No `MaxPrice`: AWS then charges the spot price of the moment, never above
        // on-demand; a cap at today's price would end the instance on the first rise.
    }
    let mut tag_list = vec![("Name".to_string(), req.name.clone())];
    tag_list.extend(
        Instance::tags_for(req)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    for (n, resource) in ["instance", "volume"].iter().enumerate() {
        let spec = format!("TagSpecification.{}", n + 1);
        p.push((format!("{spec}.ResourceType"), resource.to_string()));
        for (i, (k, v)) in tag_list.iter().enumerate() {
            p.push((format!("{spec}.Tag.{}.Key", i + 1), k.clone()));
            p.push((format!("{spec}.Tag.{}.Value", i + 1), v.clone()));
        }
    }
    if let Some(u) = user_data(req)? {
        p.push(("UserData".into(), keys::base64(&u)));
    }
    Ok(p)
}

fn tag<'a>(item: &'a Node, key: &str) -> Option<&'a str> {
    item.items("tagSet")
        .find(|t| t.text_at(&["key"]) == Some(key))
        .and_then(|t| t.text_at(&["value"]))
}

/// One `<instancesSet><item>` of `RunInstances` or `DescribeInstances`.
pub(super) fn to_instance(item: &Node, region: &str) -> Option<Instance> {
    let id = item.text_at(&["instanceId"])?;
    let status = item
        .text_at(&["instanceState", "name"])
        .unwrap_or("unknown");
    let state = match status {
        "pending" => State::Provisioning,
        "running" => State::Running,
        "stopping" | "stopped" => State::Stopped,
        "shutting-down" => State::Terminating,
        "terminated" => State::Terminated,
        _ => State::Unknown,
    };
    let ssh = match (item.text_at(&["ipAddress"]), state) {
        (Some(ip), State::Running) => Some(Ssh {
            host: ip.to_string(),
            port: 22,
            user: SSH_USER.into(),
        }),
        _ => None,
    };
    let instance_type = item.text_at(&["instanceType"]);
    Some(
        Instance {
            provider: ID.to_string(),
            id: format!("{id}@{region}"),
            name: String::new(),
            state,
            status: status.to_string(),
            gpu: instance_type
                .and_then(super::gpu_of)
                .map(|g| crate::gpu::canonical(g).family),
            gpu_count: None,
            region: item
                .text_at(&["placement", "availabilityZone"])
                .map(str::to_string)
                .or_else(|| Some(region.to_string())),
            price_per_hour_usd: None,
            ssh,
            owner: None,
            deadline: None,
            launcher: None,
            launched: None,
            unreadable: None,
        }
        .tagged(
            |k| tag(item, k).map(str::to_string),
            tag(item, "Name").unwrap_or_default(),
        ),
    )
}

fn code_of(e: &ProviderError) -> &str {
    e.message
        .split(':')
        .nth(1)
        .map(str::trim)
        .unwrap_or_default()
}

impl Aws {
    /// One EC2 Query API call in `region`, as the SDKs send it: `POST /` with the parameters
    /// in a form body (never in the URL, where user data would be logged and could outgrow
    /// what a server takes); its answer as a tree, or the error it answered.
    async fn ec2(
        &self,
        region: &str,
        params: &[(String, String)],
        creates: bool,
    ) -> Result<Node, ProviderError> {
        let pairs: Vec<(&str, String)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let form = sigv4::canonical_query(&pairs);
        let url = http::join(&self.ec2_base(region), "/");
        let mut req = self.signed(Request::post_form(url, form), region, "ec2", &[])?;
        if creates {
            req = req.creating();
        }
        let resp = self.http.send(ID, &req).await?;
        if !resp.is_success() {
            return Err(ec2_error(resp.status, &resp.body));
        }
        let action = params.first().map_or("EC2", |(_, v)| v.as_str());
        xml::parse(&resp.body).map_err(|e| {
            ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                format!("could not read the {action} response: {e}"),
            )
        })
    }

    /// A call as `--dry-run` shows it: its form as a JSON object, with the user data
    /// summarised (it may carry `--env` values).
    fn ec2_plan(&self, region: &str, params: &[(String, String)]) -> PlannedRequest {
        let body: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(k, v)| {
                let shown = if k == "UserData" {
                    format!("<{} bytes of user data, base64; values not shown>", v.len())
                } else {
                    v.clone()
                };
                (k.clone(), serde_json::Value::String(shown))
            })
            .collect();
        PlannedRequest {
            method: "POST".into(),
            url: http::join(&self.ec2_base(region), "/"),
            body: Some(serde_json::Value::Object(body)),
        }
    }

    fn ssm_base(&self, region: &str) -> String {
        match &self.ec2_override {
            Some(b) => b.clone(),
            None => format!("https://ssm.{region}.amazonaws.com"),
        }
    }

    /// The newest Deep Learning AMI of the region, from its public SSM parameter.
    async fn image(&self, region: &str, req: &LaunchRequest) -> Result<String, ProviderError> {
        if let Some(i) = &req.image {
            if i.starts_with("ami-") {
                return Ok(i.clone());
            }
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`--image {i}`: AWS takes an AMI id (`ami-...`)"),
            ));
        }
        let body = serde_json::json!({"Name": DLAMI_PARAMETER});
        let req = self.signed(
            Request::post_json(http::join(&self.ssm_base(region), "/"), body),
            region,
            "ssm",
            &[
                ("content-type", "application/x-amz-json-1.1".into()),
                ("x-amz-target", "AmazonSSM.GetParameter".into()),
            ],
        )?;
        let resp = self.http.send(ID, &req).await?;
        if !resp.is_success() {
            return Err(super::json_error(resp.status, &resp.body));
        }
        let v: serde_json::Value = http::parse_json(ID, "GetParameter", &resp.body)?;
        v["Parameter"]["Value"]
            .as_str()
            .filter(|a| a.starts_with("ami-"))
            .map(str::to_string)
            .ok_or_else(|| {
                ProviderError::new(
                    ID,
                    ErrorKind::BadResponse,
                    format!("`{DLAMI_PARAMETER}` names no AMI in {region}"),
                )
            })
    }

    /// The AMI's root device (`/dev/sda1` on Ubuntu), so that `--disk` resizes the root volume
    /// instead of adding a second one.
    /// And the size of its root snapshot, below which a root volume cannot be.
    async fn root_device(
        &self,
        region: &str,
        image: &str,
    ) -> Result<(String, Option<u32>), ProviderError> {
        let p: Vec<(String, String)> = vec![
            ("Action".into(), "DescribeImages".into()),
            ("Version".into(), EC2_VERSION.into()),
            ("ImageId.1".into(), image.into()),
        ];
        let found = self.ec2(region, &p, false).await?;
        let Some(item) = found.items("imagesSet").next() else {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("AMI `{image}` is not available in {region}"),
            ));
        };
        let root = item.text_at(&["rootDeviceName"]).unwrap_or("/dev/sda1");
        let snapshot_gb = item
            .items("blockDeviceMapping")
            .find(|m| m.text_at(&["deviceName"]) == Some(root))
            .and_then(|m| m.text_at(&["ebs", "volumeSize"]))
            .and_then(|v| v.parse().ok());
        Ok((root.to_string(), snapshot_gb))
    }

    /// The name of the key pair EC2 has for this public key, found by its fingerprint.
    async fn find_key(&self, region: &str, public: &str) -> Result<Option<String>, ProviderError> {
        let fps = keys::fingerprints(public);
        if fps.is_empty() {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                "EC2 imports RSA and ED25519 keys only: pass one with `--ssh-key PATH`",
            ));
        }
        let mut p: Vec<(String, String)> = vec![
            ("Action".into(), "DescribeKeyPairs".into()),
            ("Version".into(), EC2_VERSION.into()),
            ("Filter.1.Name".into(), "fingerprint".into()),
        ];
        for (i, fp) in fps.iter().enumerate() {
            p.push((format!("Filter.1.Value.{}", i + 1), fp.clone()));
        }
        let found = self.ec2(region, &p, false).await?;
        let name = found
            .items("keySet")
            .find_map(|k| k.text_at(&["keyName"]))
            .map(str::to_string);
        Ok(name)
    }

    /// The key pair to log in with: named, or the public key's own, imported once.
    async fn key_pair(&self, region: &str, req: &LaunchRequest) -> Result<String, ProviderError> {
        let public = match (&req.ssh_key_name, &req.ssh_public_key) {
            (Some(name), _) => return Ok(name.clone()),
            (None, Some(p)) => p,
            (None, None) => {
                return match sshkey::choose(ID, "AWS", &[], req)? {
                    sshkey::Choice::Existing(n) => Ok(n),
                    sshkey::Choice::Add { name, .. } => Ok(name),
                }
            }
        };
        if let Some(name) = self.find_key(region, public).await? {
            return Ok(name);
        }
        let name = sshkey::name_for(public);
        let p: Vec<(String, String)> = vec![
            ("Action".into(), "ImportKeyPair".into()),
            ("Version".into(), EC2_VERSION.into()),
            ("KeyName".into(), name.clone()),
            ("PublicKeyMaterial".into(), keys::material(public)),
            ("TagSpecification.1.ResourceType".into(), "key-pair".into()),
            ("TagSpecification.1.Tag.1.Key".into(), "gpu".into()),
            ("TagSpecification.1.Tag.1.Value".into(), "key".into()),
        ];
        match self.ec2(region, &p, false).await {
            Ok(_) => Ok(name),
            // The name is made from the key itself: a key of that name is this key.
            Err(e) if code_of(&e) == "InvalidKeyPair.Duplicate" => Ok(name),
            Err(e) => Err(e),
        }
    }

    /// Where SSH may come from: `ssh_cidr`, else the caller's address as `checkip_url` sees it.
    async fn ssh_cidr(&self) -> Result<String, ProviderError> {
        if let Some(c) = &self.ssh_cidr {
            return Ok(c.clone());
        }
        let resp = self
            .http
            .send(ID, &Request::get(self.checkip_url.clone()))
            .await?;
        let text = String::from_utf8_lossy(&resp.body).trim().to_string();
        match text.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(ip)) if resp.is_success() => Ok(format!("{ip}/32")),
            Ok(std::net::IpAddr::V6(ip)) if resp.is_success() => Ok(format!("{ip}/128")),
            _ => Err(ProviderError::new(
                ID,
                ErrorKind::Unavailable,
                format!(
                    "could not learn this machine's public address from {} (to open SSH to it alone); set `ssh_cidr = \"203.0.113.7/32\"` under `[providers.aws]`",
                    http::redact_url(&self.checkip_url)
                ),
            )),
        }
    }

    /// The region's default VPC: where an instance launched without a subnet lands, and so
    /// where its security group must be.
    async fn default_vpc(&self, region: &str) -> Result<String, ProviderError> {
        let p: Vec<(String, String)> = vec![
            ("Action".into(), "DescribeVpcs".into()),
            ("Version".into(), EC2_VERSION.into()),
            ("Filter.1.Name".into(), "isDefault".into()),
            ("Filter.1.Value.1".into(), "true".into()),
        ];
        let found = self.ec2(region, &p, false).await?;
        let vpc = found
            .items("vpcSet")
            .find_map(|v| v.text_at(&["vpcId"]))
            .map(str::to_string);
        vpc.ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("{region} has no default VPC, which `gpu up` launches into; create one (`aws ec2 create-default-vpc --region {region}`) or leave the region out of `regions`"),
            )
        })
    }

    /// The `gpu-ssh` group of the default VPC, if there is one: (id, open to `cidr` on 22).
    async fn find_group(
        &self,
        region: &str,
        vpc: &str,
        cidr: &str,
    ) -> Result<Option<(String, bool)>, ProviderError> {
        let p: Vec<(String, String)> = vec![
            ("Action".into(), "DescribeSecurityGroups".into()),
            ("Version".into(), EC2_VERSION.into()),
            ("Filter.1.Name".into(), "group-name".into()),
            ("Filter.1.Value.1".into(), SECURITY_GROUP.into()),
            ("Filter.2.Name".into(), "vpc-id".into()),
            ("Filter.2.Value.1".into(), vpc.into()),
        ];
        let found = self.ec2(region, &p, false).await?;
        let group = found.items("securityGroupInfo").find(|g| {
            g.text_at(&["groupName"]) == Some(SECURITY_GROUP)
                && g.text_at(&["vpcId"]).is_none_or(|v| v == vpc)
        });
        Ok(group.and_then(|g| {
            let open = g.items("ipPermissions").any(|perm| {
                perm.text_at(&["fromPort"]) == Some("22")
                    && perm
                        .items("ipRanges")
                        .chain(perm.items("ipv6Ranges"))
                        .any(|r| {
                            r.text_at(&["cidrIp"]) == Some(cidr)
                                || r.text_at(&["cidrIpv6"]) == Some(cidr)
                        })
            });
            Some((g.text_at(&["groupId"])?.to_string(), open))
        }))
    }

    /// The `gpu-ssh` group of the region's default VPC, made once (tagged `gpu=ssh`), open on
    /// 22 to `cidr`. Two launches making it at once: the one that loses reads the other's.
    async fn security_group(&self, region: &str, cidr: &str) -> Result<String, ProviderError> {
        let vpc = self.default_vpc(region).await?;
        let (group_id, open) = match self.find_group(region, &vpc, cidr).await? {
            Some(found) => found,
            None => {
                let p: Vec<(String, String)> = vec![
                    ("Action".into(), "CreateSecurityGroup".into()),
                    ("Version".into(), EC2_VERSION.into()),
                    ("GroupName".into(), SECURITY_GROUP.into()),
                    (
                        "GroupDescription".into(),
                        "SSH to instances gpu launched, from the machines that launched them"
                            .into(),
                    ),
                    ("VpcId".into(), vpc.clone()),
                    (
                        "TagSpecification.1.ResourceType".into(),
                        "security-group".into(),
                    ),
                    ("TagSpecification.1.Tag.1.Key".into(), "gpu".into()),
                    ("TagSpecification.1.Tag.1.Value".into(), "ssh".into()),
                ];
                match self.ec2(region, &p, false).await {
                    Ok(made) => (
                        made.text_at(&["groupId"]).unwrap_or_default().to_string(),
                        false,
                    ),
                    Err(e) if code_of(&e) == "InvalidGroup.Duplicate" => {
                        self.find_group(region, &vpc, cidr).await?.ok_or(e)?
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if group_id.is_empty() {
            return Err(ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                "no `groupId` for the `gpu-ssh` security group",
            ));
        }
        if !open {
            let ipv6 = cidr.contains(':');
            let range = if ipv6 {
                "Ipv6Ranges.1.CidrIpv6"
            } else {
                "IpRanges.1.CidrIp"
            };
            let p: Vec<(String, String)> = vec![
                ("Action".into(), "AuthorizeSecurityGroupIngress".into()),
                ("Version".into(), EC2_VERSION.into()),
                ("GroupId".into(), group_id.clone()),
                ("IpPermissions.1.IpProtocol".into(), "tcp".into()),
                ("IpPermissions.1.FromPort".into(), "22".into()),
                ("IpPermissions.1.ToPort".into(), "22".into()),
                (format!("IpPermissions.1.{range}"), cidr.into()),
            ];
            match self.ec2(region, &p, false).await {
                Ok(_) => {}
                Err(e) if code_of(&e) == "InvalidPermission.Duplicate" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(group_id)
    }

    pub(super) fn plan(&self, req: &LaunchRequest) -> Result<Vec<PlannedRequest>, ProviderError> {
        let (_, region, _, _) = split_offer(&req.offer)?;
        let get = |params: Vec<(&str, &str)>| {
            let mut owned: Vec<(String, String)> = params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            owned.insert(1, ("Version".into(), EC2_VERSION.into()));
            self.ec2_plan(&region, &owned)
        };
        let mut plan = Vec::new();
        if req.image.is_none() {
            plan.push(PlannedRequest {
                method: "POST".into(),
                url: http::join(&self.ssm_base(&region), "/"),
                body: Some(serde_json::json!({"Name": DLAMI_PARAMETER})),
            });
        }
        plan.push(get(vec![
            ("Action", "DescribeKeyPairs"),
            ("Filter.1.Name", "fingerprint"),
        ]));
        plan.push(get(vec![
            ("Action", "DescribeSecurityGroups"),
            ("Filter.1.Name", "group-name"),
            ("Filter.1.Value.1", SECURITY_GROUP),
        ]));
        let image = req
            .image
            .clone()
            .unwrap_or_else(|| "<newest Deep Learning AMI>".into());
        let key = match (&req.ssh_key_name, &req.ssh_public_key) {
            (Some(n), _) => n.clone(),
            (None, Some(p)) => sshkey::name_for(p),
            (None, None) => "<key>".into(),
        };
        let params = run_params(
            req,
            &image,
            "<the AMI's root device>",
            &key,
            "<gpu-ssh group id>",
        )?;
        plan.push(self.ec2_plan(&region, &params));
        Ok(plan)
    }

    /// The dry run's `RunInstances`, exactly: the reads a launch makes first are made (the
    /// image, its root device, the key and the group as they are now); nothing is imported,
    /// created or opened. What a launch would still make is named so.
    pub(super) async fn preview(
        &self,
        req: &LaunchRequest,
    ) -> Result<Vec<PlannedRequest>, ProviderError> {
        let mut plan = self.plan(req)?;
        let (_, region, _, _) = split_offer(&req.offer)?;
        let image = self.image(&region, req).await?;
        let (root, _) = self.root_device(&region, &image).await?;
        let key = match (&req.ssh_key_name, &req.ssh_public_key) {
            (Some(n), _) => n.clone(),
            (None, Some(public)) => match self.find_key(&region, public).await? {
                Some(name) => name,
                None => format!("{} (to be imported)", sshkey::name_for(public)),
            },
            (None, None) => return Ok(plan),
        };
        let vpc = self.default_vpc(&region).await?;
        let group = match self.find_group(&region, &vpc, "").await? {
            Some((id, _)) => id,
            None => format!("<{SECURITY_GROUP}, to be created in {vpc}>"),
        };
        let params = run_params(req, &image, &root, &key, &group)?;
        if let Some(last) = plan.last_mut() {
            *last = self.ec2_plan(&region, &params);
        }
        Ok(plan)
    }

    pub(super) async fn create(&self, req: &LaunchRequest) -> Result<Instance, ProviderError> {
        let (_, region, _, _) = split_offer(&req.offer)?;
        let image = self.image(&region, req).await?;
        let (root, snapshot_gb) = self.root_device(&region, &image).await?;
        if let (Some(asked), Some(min)) = (req.disk_gb, snapshot_gb) {
            if asked < min {
                return Err(ProviderError::new(
                    ID,
                    ErrorKind::Invalid,
                    format!("`--disk {asked}` is smaller than the image's root volume ({min} GB): ask for at least {min}"),
                ));
            }
        }
        let key = self.key_pair(&region, req).await?;
        let cidr = self.ssh_cidr().await?;
        let group = self.security_group(&region, &cidr).await?;
        let params = run_params(req, &image, &root, &key, &group)?;
        let answer = self.ec2(&region, &params, true).await.map_err(|e| {
            let code = code_of(&e).to_string();
            match code.as_str() {
                "IdempotentInstanceTerminated" => ProviderError::new(
                    ID,
                    ErrorKind::Invalid,
                    format!("{}; launch under another `--name`", e.message),
                ),
                _ => e,
            }
        })?;
        let item = answer.items("instancesSet").next().ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                "RunInstances answered no instance",
            )
        })?;
        let mut i = to_instance(item, &region).ok_or_else(|| {
            ProviderError::new(
                ID,
                ErrorKind::BadResponse,
                "RunInstances answered an instance without an id",
            )
        })?;
        i.name = req.name.clone();
        i.owner = i.owner.or_else(|| req.owner.clone());
        i.deadline = i.deadline.or(req.deadline);
        Ok(i)
    }

    async fn region_instances(&self, region: &str) -> Result<Vec<Instance>, ProviderError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..super::MAX_PAGES {
            let mut p: Vec<(String, String)> = vec![
                ("Action".into(), "DescribeInstances".into()),
                ("Version".into(), EC2_VERSION.into()),
                ("Filter.1.Name".into(), "tag:Name".into()),
                (
                    "Filter.1.Value.1".into(),
                    format!("{}*", crate::instance::NAME_PREFIX),
                ),
                ("Filter.2.Name".into(), "instance-state-name".into()),
                ("MaxResults".into(), "1000".into()),
            ];
            for (i, s) in ["pending", "running", "shutting-down", "stopping", "stopped"]
                .iter()
                .enumerate()
            {
                p.push((format!("Filter.2.Value.{}", i + 1), s.to_string()));
            }
            if let Some(t) = &token {
                p.push(("NextToken".into(), t.clone()));
            }
            let page = self.ec2(region, &p, false).await?;
            for i in page
                .items("reservationSet")
                .flat_map(|r| r.items("instancesSet"))
            {
                // Each instance is read field by field; one without an id cannot be released
                // or matched, and a list short of it must not look whole.
                out.push(to_instance(i, region).ok_or_else(|| {
                    ProviderError::new(
                        ID,
                        ErrorKind::BadResponse,
                        format!("{region}: DescribeInstances listed an instance without an `instanceId`; not taken as the whole list"),
                    )
                })?);
            }
            match page.text_at(&["nextToken"]) {
                Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Every region's `gpu-*` instances; a region that cannot be listed fails the whole list
    /// (a missing answer is not an empty one).
    pub(super) async fn list(&self) -> Result<Vec<Instance>, ProviderError> {
        let results =
            futures_util::future::join_all(self.regions.iter().map(|r| self.region_instances(r)))
                .await;
        let mut all = Vec::new();
        for (region, r) in self.regions.iter().zip(results) {
            match r {
                Ok(list) => all.extend(list),
                // A key made for prices alone: listing is not something it may do. Said as
                // such, so that `gpu ls` can tell it from an outage.
                Err(e) if code_of(&e) == "UnauthorizedOperation" => {
                    return Err(ProviderError::new(
                        ID,
                        ErrorKind::Unsupported,
                        format!("these credentials may not list EC2 instances (`ec2:DescribeInstances` in {region}); instances launched with other credentials are not shown"),
                    ));
                }
                Err(mut e) => {
                    e.message = format!("{region}: {}", e.message);
                    return Err(e);
                }
            }
        }
        Ok(all)
    }

    pub(super) async fn delete(&self, id: &str) -> Result<(), ProviderError> {
        let Some((instance, region)) = split_id(id) else {
            return Err(ProviderError::new(
                ID,
                ErrorKind::Invalid,
                format!("`{id}` is not an instance id as `gpu ls` shows it (`i-...@REGION`)"),
            ));
        };
        let p: Vec<(String, String)> = vec![
            ("Action".into(), "TerminateInstances".into()),
            ("Version".into(), EC2_VERSION.into()),
            ("InstanceId.1".into(), instance.into()),
        ];
        match self.ec2(region, &p, false).await {
            Ok(_) => Ok(()),
            Err(e) if code_of(&e) == "InvalidInstanceID.NotFound" => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(offer: &str) -> LaunchRequest {
        LaunchRequest {
            offer: offer.into(),
            name: "gpu-train".into(),
            owner: Some("a1b2c3d4".into()),
            deadline: Some(1_764_633_600),
            ..Default::default()
        }
    }

    #[test]
    fn offers_name_a_region_or_a_zone() {
        let (t, region, zone, spot) = split_offer("g6e.xlarge@us-west-2b:spot").unwrap();
        assert_eq!(
            (t, region.as_str(), zone.as_deref(), spot),
            ("g6e.xlarge", "us-west-2", Some("us-west-2b"), true)
        );
        let (_, region, zone, spot) = split_offer("p5.48xlarge@eu-north-1").unwrap();
        assert_eq!((region.as_str(), zone, spot), ("eu-north-1", None, false));
        assert!(split_offer("p5.48xlarge").is_err());
        assert_eq!(split_id("i-0abc@us-east-1"), Some(("i-0abc", "us-east-1")));
        assert_eq!(split_id("i-0abc"), None);
        assert_eq!(split_id("../x@us-east-1"), None);
    }

    #[test]
    fn the_client_token_is_stable_short_and_differs_per_offer() {
        let a = client_token(&req("g6e.xlarge@us-west-2"));
        assert_eq!(a, client_token(&req("g6e.xlarge@us-west-2")));
        assert_ne!(a, client_token(&req("g6e.xlarge@us-east-1")));
        // The same name launched again later (after a `gpu down`) is another create.
        let mut later = req("g6e.xlarge@us-west-2");
        later.attempt = Some("2026-12-02T10:00:00Z.42.1".into());
        assert_ne!(a, client_token(&later));
        assert!(a.starts_with("gpu-train."));
        let mut long = req("g6e.xlarge@us-west-2");
        long.name = format!("gpu-{}", "x".repeat(80));
        assert!(client_token(&long).len() <= 64);
        assert!(client_token(&long).is_ascii());
    }

    #[test]
    fn spot_asks_for_a_one_time_request_that_terminates_and_tags_go_on_both_resources() {
        let mut r = req("g6e.xlarge@us-west-2b:spot");
        r.max_price_per_hour = Some(0.75);
        let p: std::collections::HashMap<String, String> =
            run_params(&r, "ami-1", "/dev/sda1", "gpu-k", "sg-1")
                .unwrap()
                .into_iter()
                .collect();
        assert_eq!(p["InstanceMarketOptions.MarketType"], "spot");
        assert_eq!(
            p["InstanceMarketOptions.SpotOptions.SpotInstanceType"],
            "one-time"
        );
        assert_eq!(
            p["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"],
            "terminate"
        );
        assert!(!p.contains_key("InstanceMarketOptions.SpotOptions.MaxPrice"));
        assert_eq!(p["Placement.AvailabilityZone"], "us-west-2b");
        assert_eq!(p["TagSpecification.2.ResourceType"], "volume");
        assert_eq!(p["TagSpecification.2.Tag.2.Key"], "gpu-owner");
        assert_eq!(p["TagSpecification.1.Tag.3.Value"], "1764633600");
        assert!(
            p.contains_key("UserData"),
            "a deadline arms a shutdown at boot"
        );
    }

    #[test]
    fn a_described_instance_keeps_its_region_owner_deadline_and_address() {
        let doc = xml::parse(br#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>
            <tagSet><item><key>Name</key><value>gpu-train</value></item><item><key>gpu-owner</key><value>a1b2c3d4</value></item><item><key>gpu-deadline</key><value>1764633600</value></item></tagSet>
            <instanceId>i-1234567890abcdef0</instanceId><instanceState><code>16</code><name>running</name></instanceState>
            <instanceType>p5.48xlarge</instanceType><placement><availabilityZone>us-east-1c</availabilityZone></placement>
            <ipAddress>54.194.252.215</ipAddress><instanceLifecycle>spot</instanceLifecycle></item></instancesSet></item></reservationSet></DescribeInstancesResponse>"#).unwrap();
        let item = doc
            .items("reservationSet")
            .next()
            .unwrap()
            .items("instancesSet")
            .next()
            .unwrap();
        let i = to_instance(item, "us-east-1").unwrap();
        assert_eq!(i.id, "i-1234567890abcdef0@us-east-1");
        assert_eq!(i.name, "gpu-train");
        assert_eq!(i.owner.as_deref(), Some("a1b2c3d4"));
        assert_eq!(i.deadline, Some(1_764_633_600));
        assert_eq!(i.state, State::Running);
        assert_eq!(i.region.as_deref(), Some("us-east-1c"));
        assert_eq!(i.gpu.as_deref(), Some("H100"));
        assert_eq!(i.ssh.unwrap().command(), "ssh ubuntu@54.194.252.215");
    }

    #[test]
    fn no_capacity_and_quotas_fail_over_a_gone_instance_is_not_found() {
        let e = |code: &str, status| {
            super::super::ec2_error(
                status,
                format!("<Response><Errors><Error><Code>{code}</Code><Message>m</Message></Error></Errors><RequestID>x</RequestID></Response>").as_bytes(),
            )
        };
        assert_eq!(
            e("InsufficientInstanceCapacity", 500).kind,
            ErrorKind::NoCapacity
        );
        assert_eq!(e("VcpuLimitExceeded", 400).kind, ErrorKind::NoCapacity);
        assert_eq!(e("RequestLimitExceeded", 503).kind, ErrorKind::RateLimited);
        assert_eq!(
            e("InvalidInstanceID.NotFound", 400).kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            code_of(&e("InvalidKeyPair.Duplicate", 400)),
            "InvalidKeyPair.Duplicate"
        );
    }
}
