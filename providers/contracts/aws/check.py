#!/usr/bin/env python3
"""Checks the AWS requests `gpu` sends, and the answers its tests' fakes give, with botocore's
own code and service models (see SOURCE): the pinned botocore is the reference, not our reading
of it.

stdin: one JSON object
  {"credentials": {"access_key_ids": [...], "secret": ...},
   "requests": [{"method", "url", "headers": {name: value}, "body": text or null}],
   "answers":  [{"service", "operation", "status", "body", "bad_entries"}]}
stdout: one JSON object {"problems": [line, ...], "checked": {"Service.Operation": n}}

For each request:
  * the operation exists in the model of the service it names (EC2's `Action`, or the JSON
    protocol's `X-Amz-Target`), and EC2's `Version` is the model's;
  * its parameters, read back into botocore's input shape, pass botocore's ParamValidator, and
    botocore's serializer writes exactly the same parameters (EC2) or body, target and content
    type (JSON 1.1): nothing undeclared, nothing encoded otherwise than an SDK would;
  * SigV4Auth, given the same credentials, headers and time, computes the same Authorization.
For each answer: botocore's response parser reads it against the operation's output shape, and
the fields `gpu` reads are there.
"""

import base64
import datetime
import json
import sys
import urllib.parse

PINNED = "1.44.18"

try:
    import botocore
    import botocore.auth
    import botocore.session
    from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.parsers import create_parser
    from botocore.serialize import create_serializer
    from botocore.validate import ParamValidator
except ImportError as e:  # pragma: no cover - the caller says how to install it
    print(json.dumps({"missing": f"botocore is not importable: {e}"}))
    sys.exit(3)

if botocore.__version__ != PINNED:
    print(json.dumps({"missing": f"botocore {botocore.__version__} found, {PINNED} is pinned"}))
    sys.exit(3)

SESSION = botocore.session.get_session()
MODELS = {name: SESSION.get_service_model(name) for name in ("ec2", "pricing", "ssm")}
TARGETS = {m.metadata.get("targetPrefix"): name for name, m in MODELS.items()}

# Fields of each output `gpu` reads: an answer without them is not what AWS sends.
READS = {
    "DescribeSpotPriceHistory": ("SpotPriceHistory", ("InstanceType", "SpotPrice", "AvailabilityZone", "Timestamp")),
    "DescribeInstances": ("Reservations", ("Instances",)),
    "RunInstances": ("Instances", ("InstanceId", "InstanceType", "State")),
    "TerminateInstances": ("TerminatingInstances", ("InstanceId", "CurrentState")),
    "DescribeImages": ("Images", ("ImageId",)),
    "DescribeKeyPairs": ("KeyPairs", ("KeyName",)),
    "DescribeSecurityGroups": ("SecurityGroups", ("GroupId",)),
    "DescribeVpcs": ("Vpcs", ("VpcId",)),
    "GetProducts": ("PriceList", ()),
}


def serialized_name(shape, default):
    """The name EC2's serializer gives a member (EC2Serializer._get_serialized_name)."""
    if "queryName" in shape.serialization:
        return shape.serialization["queryName"]
    if "name" in shape.serialization:
        name = shape.serialization["name"]
        return name[0].upper() + name[1:]
    return default


def scalar(shape, text):
    t = shape.type_name
    try:
        if t in ("integer", "long"):
            return int(text)
        if t in ("float", "double"):
            return float(text)
    except ValueError:
        return text  # the validator names it
    if t == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if t == "blob":
        # On the wire a blob is base64 of its bytes; the serializer is given the bytes.
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            return text
    return text


def decode(shape, prefix, flat, used, depth=0):
    """EC2 query parameters back into the value botocore would have serialized."""
    if depth > 20:
        return None
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = serialized_name(member, name)
            value = decode(member, f"{prefix}.{key}" if prefix else key, flat, used, depth + 1)
            if value is not None:
                out[name] = value
        return out if out or prefix == "" else None
    if t == "list":
        items = []
        while True:
            value = decode(shape.member, f"{prefix}.{len(items) + 1}", flat, used, depth + 1)
            if value is None:
                break
            items.append(value)
        return items or None
    if prefix in flat:
        used.add(prefix)
        return scalar(shape, flat[prefix])
    return None


def header(headers, name):
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


def check_signature(req, signing_name, creds, problems, said):
    headers = req.get("headers") or {}
    auth = header(headers, "authorization") or ""
    amz_date = header(headers, "x-amz-date")
    if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or not amz_date:
        problems.append(said("not SigV4-signed (no Authorization or X-Amz-Date)"))
        return
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    scope = fields.get("Credential", "").split("/")
    if len(scope) != 5 or scope[0] not in creds["access_key_ids"] or scope[4] != "aws4_request":
        problems.append(said(f"credential scope `{fields.get('Credential')}` is not KEY/DATE/REGION/SERVICE/aws4_request"))
        return
    _, date, region, service, _ = scope
    if service != signing_name:
        problems.append(said(f"signed for service `{service}`; the model's signing name is `{signing_name}`"))
    # The Price List Query API has three endpoints (AWS Price List API, "Endpoints").
    if service == "pricing" and region not in ("us-east-1", "eu-central-1", "ap-south-1"):
        problems.append(said(f"signed for region `{region}`; the Price List API answers in us-east-1, eu-central-1 and ap-south-1 only"))
    if date != amz_date[:8]:
        problems.append(said(f"scope date {date} is not the X-Amz-Date {amz_date}"))
    signed = fields.get("SignedHeaders", "").split(";")
    for must in ["host", "x-amz-date"] + [k.lower() for k in headers if k.lower().startswith("x-amz-")]:
        if must not in signed:
            problems.append(said(f"header `{must}` is sent but not signed"))
    # Sign again with botocore: the request with exactly the headers the request says it signed.
    url = urllib.parse.urlsplit(req["url"])
    to_sign = {}
    for name in signed:
        value = header(headers, name)
        if name == "host" and value is None:
            value = url.netloc
        if value is not None:
            to_sign[name] = value
    body = (req.get("body") or "").encode()
    request = AWSRequest(method=req["method"], url=req["url"], data=body, headers=to_sign)
    at = datetime.datetime.strptime(amz_date, SIGV4_TIMESTAMP)
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda *a, **k: at
    try:
        SigV4Auth(Credentials(scope[0], creds["secret"]), service, region).add_auth(request)
    finally:
        botocore.auth.get_current_datetime = original
    if request.headers["Authorization"] != auth:
        problems.append(said("botocore's SigV4 signs it otherwise: the signature would be refused"))


def operation(service, name, problems, checked, said):
    """The model of `service`'s operation `name`, counted as checked; None (a problem) if none."""
    try:
        op = MODELS[service].operation_model(name)
    except Exception:
        problems.append(said(f"{service} has no operation `{name}`"))
        return None
    checked[f"{service}.{name}"] = checked.get(f"{service}.{name}", 0) + 1
    return op


def check_request(req, creds, problems, checked):
    method = req["method"]
    url = urllib.parse.urlsplit(req["url"])
    headers = req.get("headers") or {}
    target = header(headers, "x-amz-target")
    body_text = req.get("body") or ""
    said = lambda what: f"aws {method} {url.path}{'?' + url.query[:60] if url.query else ''}: {what}"  # noqa: E731
    if target:
        prefix, _, op_name = target.partition(".")
        service = TARGETS.get(prefix)
        if service is None:
            problems.append(said(f"X-Amz-Target `{target}` names no service of the models used"))
            return
        model = MODELS[service]
        op = operation(service, op_name, problems, checked, said)
        if op is None:
            return
        try:
            params = json.loads(body_text)
        except ValueError as e:
            problems.append(said(f"the body is not JSON: {e}"))
            return
        report = ParamValidator().validate(params, op.input_shape)
        if report.has_errors():
            problems.append(said(f"{op_name}: {report.generate_report()}"))
            return
        want = create_serializer(model.metadata["protocol"]).serialize_to_request(params, op)
        if method != want["method"]:
            problems.append(said(f"{op_name} is a {want['method']}"))
        if json.loads(want["body"]) != params:
            problems.append(said(f"botocore writes the body otherwise: {want['body'].decode()}"))
        for name, value in want["headers"].items():
            if header(headers, name.lower()) != value:
                problems.append(said(f"header {name} is `{header(headers, name.lower())}`, botocore sends `{value}`"))
        check_signature(req, model.signing_name, creds, problems, said)
        return

    # EC2's Query protocol: parameters in the query (GET) or a form body (POST).
    pairs = urllib.parse.parse_qsl(url.query if method == "GET" else body_text, keep_blank_values=True)
    if method == "POST" and url.query:
        problems.append(said("a POST of the Query API carries its parameters in the body only"))
    if method == "POST" and (header(headers, "content-type") or "").split(";")[0] != "application/x-www-form-urlencoded":
        problems.append(said(f"content type `{header(headers, 'content-type')}`; a form is application/x-www-form-urlencoded"))
    flat = dict(pairs)
    if len(flat) != len(pairs):
        problems.append(said("a parameter is sent twice"))
    model = MODELS["ec2"]
    action = flat.get("Action")
    op = operation("ec2", action, problems, checked, said)
    if op is None:
        return
    if flat.get("Version") != model.api_version:
        problems.append(said(f"Version `{flat.get('Version')}`; the model's is {model.api_version}"))
    used = {"Action", "Version"}
    params = decode(op.input_shape, "", flat, used) or {}
    for extra in sorted(set(flat) - used):
        problems.append(said(f"{action}: parameter `{extra}` is not in its input shape"))
    report = ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        problems.append(said(f"{action}: {report.generate_report()}"))
        return
    want = create_serializer("ec2").serialize_to_request(params, op)["body"]
    for key in sorted(set(want) | set(flat)):
        if str(want.get(key)) != flat.get(key):
            problems.append(said(f"{action}: `{key}` is `{flat.get(key)}`, botocore writes `{want.get(key)}`"))
    check_signature(req, model.signing_name, creds, problems, said)


def check_answer(answer, problems, checked):
    service = answer["service"]
    model = MODELS[service]
    op = model.operation_model(answer["operation"])
    said = lambda what: f"aws answer to {service}.{op.name} ({answer['status']}): {what}"  # noqa: E731
    parser = create_parser(model.metadata["protocol"])
    try:
        parsed = parser.parse(
            {"body": answer["body"].encode(), "headers": {}, "status_code": answer["status"]},
            op.output_shape,
        )
    except Exception as e:
        problems.append(said(f"botocore cannot read it: {e}"))
        return
    checked[f"answer {service}.{op.name}"] = checked.get(f"answer {service}.{op.name}", 0) + 1
    if answer["status"] >= 300:
        if not parsed.get("Error", {}).get("Code"):
            problems.append(said("no error code botocore can read"))
        return
    read = READS.get(op.name)
    if read is None:
        return
    field, inner = read
    items = parsed.get(field)
    if not items:
        # An empty page is a real answer; one with the list element misnamed reads as empty too,
        # so an empty list must still be written as the element AWS names.
        wire = op.output_shape.members[field].serialization.get("name", field)
        if wire not in answer["body"]:
            problems.append(said(f"no `{wire}`: botocore reads no {field}"))
        return
    if op.name == "DescribeInstances":
        items = [i for r in items for i in r.get("Instances", [])]
        inner = ("InstanceId", "InstanceType", "State", "Tags")
    bad = 0
    for item in items:
        if op.name == "GetProducts":
            try:
                doc = json.loads(item)
            except ValueError:
                bad += 1
                continue
            if not all(key in doc for key in ("product", "terms")):
                bad += 1
            continue
        for key in inner:
            if key not in item:
                problems.append(said(f"an item of {field} has no {key} as botocore reads it"))
    if bad != answer.get("bad_entries", 0):
        problems.append(said(f"{bad} PriceList entries are not product documents with `product` and `terms`"))


def main():
    given = json.load(sys.stdin)
    problems, checked = [], {}
    for req in given.get("requests", []):
        check_request(req, given["credentials"], problems, checked)
    for answer in given.get("answers", []):
        check_answer(answer, problems, checked)
    print(json.dumps({"problems": sorted(set(problems)), "checked": checked}))


if __name__ == "__main__":
    main()
