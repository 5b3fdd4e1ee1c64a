/// The stable diagnostic codes of the ODRL reader and validator, with their severity and meaning.
///
/// Scripts and tests match on these codes; never rename one once shipped. JSON syntax problems
/// use the `json.*` codes of ``JSONParser``; fixture files add `fixture.*` codes.
public enum ODRLDiagnosticCodes {
    /// Code -> (severity, what it means).
    public static let all: [String: (severity: Diagnostic.Severity, meaning: String)] = [
        "odrl.wrong_type": (.error, "a key holds the wrong JSON type (a number where an IRI belongs...)"),
        "odrl.graph_too_large": (.error, "an @graph whose references nest too deep or repeat too often to expand safely"),
        "odrl.no_policy": (.error, "an @graph document or file holds no policy"),
        "odrl.not_one_policy": (.error, "one policy was expected, the document holds another number"),
        "odrl.unknown_property": (.warning, "an unprefixed key ODRL does not define (kept, not used)"),
        "odrl.misplaced_property": (.error, "duty on a prohibition, remedy on a permission, consequence on a permission or prohibition"),
        "odrl.multiple_actions": (.error, "a rule names more than one action"),
        "odrl.unnamed_action": (.error, "an action object without rdf:value"),
        "odrl.ambiguous_constraint": (.error, "a constraint mixes atomic and logical keys, or two logical operators"),
        "odrl.empty_logical_constraint": (.error, "and / or / xone / andSequence with no constraints"),
        "odrl.missing_left_operand": (.error, "an atomic constraint without leftOperand"),
        "odrl.missing_operator": (.error, "an atomic constraint without operator"),
        "odrl.missing_right_operand": (.error, "an atomic constraint without rightOperand (or rightOperandReference)"),
        "odrl.invalid_iri": (.error, "an empty IRI, or one with spaces or forbidden characters"),
        "odrl.unknown_policy_type": (.error, "@type is not an ODRL policy class"),
        "odrl.missing_uid": (.warning, "the policy has no uid"),
        "odrl.unnamed_entity": (.error, "an asset or party object without uid"),
        "odrl.unknown_conflict_strategy": (.error, "conflict is not perm, prohibit or invalid"),
        "odrl.unsupported_profile": (.error, "a profile Clearance does not implement (ODRL: such a policy must not be processed)"),
        "odrl.unsupported_inheritance": (.error, "inheritFrom names a parent policy Clearance cannot load"),
        "odrl.empty_policy": (.warning, "no permission, prohibition or obligation"),
        "odrl.duplicate_uid": (.error, "two rules share a uid"),
        "odrl.missing_party": (.error, "an Agreement rule without assigner or assignee, an Offer rule without assigner"),
        "odrl.missing_action": (.warning, "a rule without action (it covers every action)"),
        "odrl.unknown_action": (.error, "an action that is neither ODRL 2.2 nor an extension IRI / prefixed name"),
        "odrl.unknown_left_operand": (.error, "a left operand that is neither ODRL 2.2 nor an extension IRI / prefixed name"),
        "odrl.unknown_operator": (.error, "an operator that is neither ODRL 2.2 nor an extension IRI / prefixed name"),
        "odrl.unknown_data_type": (.error, "a datatype Clearance does not know"),
        "odrl.invalid_literal": (.error, "a right operand that is not of its type (a date that is not a date...)"),
        "odrl.operator_mismatch": (.error, "an ordering operator on names, or a single-value operator with a list"),
        "odrl.unresolved_reference": (.warning, "rightOperandReference, which cannot be resolved offline"),
        "odrl.contradictory_constraints": (.error, "constraints of one rule that can never hold together"),
        "odrl.conflicting_rules": (.warning, "an unconditional prohibition always overrides a permission of the same policy"),
    ]
}
