"""Load a CloudFormation/SAM template and resolve its intrinsic functions, the way the runner needs them.

The loader understands the short tags (`!Ref`, `!Sub`, ...) and turns them into the long `Fn::` forms.
`Resolver` evaluates those against parameters, pseudo parameters and Conditions. What cannot be known
locally (an `Fn::ImportValue`, an attribute of a resource the runner ignores) becomes a readable
placeholder rather than an error: another developer may add any resource type to the template.
"""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
    "ToJsonString": "Fn::ToJsonString",
    "Length": "Fn::Length",
}


class TemplateError(ValueError):
    """The template (or a parameter value) cannot be used."""


class _NoValue:
    """AWS::NoValue: the property or list item disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = _SHORT_TAGS.get(tag_suffix)
    if name is None:
        raise TemplateError(f"unknown CloudFormation tag !{tag_suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)
# CloudFormation reads timestamps and such as plain strings: keep "2010-09-09" a string.
_CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_template(path: Path) -> dict[str, Any]:
    """Parse a template file (YAML or JSON) into plain data with intrinsics in their long form."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return data


def parse_parameter_overrides(text: str) -> dict[str, str]:
    """`Name=Value Name2='a b'` or `ParameterKey=Name,ParameterValue=Value`, as `sam --parameter-overrides`."""
    overrides: dict[str, str] = {}
    for token in shlex.split(text or ""):
        if token.startswith("ParameterKey="):
            match = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", token)
            if not match:
                raise TemplateError(f"PARAMETER_OVERRIDES: cannot read {token!r}")
            overrides[match.group(1)] = match.group(2)
            continue
        name, sep, value = token.partition("=")
        if not sep or not name:
            raise TemplateError(f"PARAMETER_OVERRIDES: expected Name=Value, got {token!r}")
        overrides[name] = value
    return overrides


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(item) for item in allowed]:
        raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), value):
        raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            raise TemplateError(f"parameter {name}={value!r} is not a number") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(f"parameter {name}={value} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(f"parameter {name}={value} is above MaxValue {spec['MaxValue']}")


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """Each parameter's value: the override, else the default, else empty (as `sam local` leaves it)."""
    specs = template.get("Parameters") or {}
    unknown = sorted(set(overrides) - set(specs))
    if unknown:
        raise TemplateError(f"unknown template parameter(s): {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, spec in specs.items():
        spec = spec or {}
        if name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            default = spec["Default"]
            value = ",".join(str(v) for v in default) if isinstance(default, list) else str(default)
        else:
            value = ""
        if value != "" or name in overrides:
            _check_parameter(name, spec, value)
        values[name] = value
    return values


@dataclass
class Resolver:
    """Evaluates intrinsic functions against parameter values, pseudo parameters and Conditions."""

    template: Mapping[str, Any]
    parameters: Mapping[str, str]
    region: str = DEFAULT_REGION
    account_id: str = ACCOUNT_ID
    stack_name: str = "local"
    # Ref of a resource: the value the runner wants (an API id, a function name); else the logical id.
    resource_refs: dict[str, str] = field(default_factory=dict)
    _conditions: dict[str, bool] = field(default_factory=dict)

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.template.get("Resources") or {}

    def pseudo(self, name: str) -> Any:
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/"
            "00000000-0000-0000-0000-000000000000",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in values:
            raise TemplateError(f"unknown pseudo parameter {name}")
        return values[name]

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        specs = self.template.get("Parameters") or {}
        if name in specs:
            value = self.parameters.get(name, "")
            kind = str((specs[name] or {}).get("Type", "String"))
            if kind == "CommaDelimitedList" or kind.startswith("List<"):
                return [item.strip() for item in value.split(",")] if value else []
            return value
        if name in self.resources:
            return self.resource_refs.get(name, name)
        raise TemplateError(f"!Ref {name}: no such parameter or resource")

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.resources.get(logical_id) or {}
        kind = resource.get("Type", "")
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            name = self.resource_refs.get(logical_id, logical_id)
            return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi") and attribute == "RootResourceId":
            return "rootresource"
        # Unknown locally: a recognisable placeholder, never an error.
        return f"{logical_id}.{attribute}"

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"no such Condition {name}")
            self._conditions[name] = bool(self._condition_value(conditions[name]))
        return self._conditions[name]

    def _condition_value(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1 and "Condition" in node:
            return self.condition(str(node["Condition"]))
        return bool(self.resolve(node))

    def resolve(self, node: Any) -> Any:
        """The value of `node` with every intrinsic evaluated; `AWS::NoValue` items are dropped."""
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" or key.startswith("Fn::") or (key == "Condition" and isinstance(arg, str)):
                return self._intrinsic(key, arg)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(str(self.resolve(arg)))
        if key == "Condition":
            return self.condition(str(arg))
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else [self.resolve(part) for part in arg]
            return self.get_att(str(parts[0]), str(parts[1]) if len(parts) > 1 else "")
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(str(condition)) else when_false)
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._condition_value(arg[0])
        if key == "Fn::And":
            return all(self._condition_value(item) for item in arg)
        if key == "Fn::Or":
            return any(self._condition_value(item) for item in arg)
        if key == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(str(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            delimiter, text = arg
            return str(self.resolve(text)).split(str(delimiter))
        if key == "Fn::FindInMap":
            map_name, top, second = (self.resolve(item) for item in arg)
            return self.resolve((self.template.get("Mappings") or {})[map_name][top][second])
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(arg)).encode()).decode()
        if key == "Fn::GetAZs":
            return [f"{self.region}{suffix}" for suffix in "abc"]
        if key == "Fn::Length":
            return len(self.resolve(arg))
        # Fn::ImportValue, Fn::Cidr, Fn::Transform...: nothing local can answer them.
        return f"<{key} unresolved locally>"

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {name: self.resolve(value) for name, value in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            value = self.ref(name)
            return ",".join(value) if isinstance(value, list) else str(value)

        return re.sub(r"\$\{([^}]*)\}", replace, str(text))
