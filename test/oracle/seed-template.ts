/** The seed walkthrough's filled-in template for the simplified firewall map (indentation restored). */
export const SEED_TEMPLATE = `key:
  variable_name: lpm_ip_key_st
  kind: STRUCT
  member:
  - variable_name: prefixLen
    type_name: unsigned int
    size: 4
    kind: INT
    input: 64
  - variable_name: ingress_ifindex
    type_name: unsigned int
    size: 4
    kind: INT
    input: 6
  - variable_name: ip_data
    kind: ARRAY
    input: [10, 10, 10, 2]
    member:
      type_name: unsigned char
      size: 1
      kind: INT
      input: null
    totalSize: 16
    fillWithZeros: true
value:
  variable_name: ruleType_st
  kind: STRUCT
  member:
  - variable_name: ruleId
    type_name: unsigned int
    size: 4
    kind: INT
    input: 1
  - variable_name: protocol
    type_name: unsigned char
    size: 1
    kind: INT
    input: 0
  - variable_name: dstPortStart
    type_name: unsigned short
    size: 2
    kind: INT
    input: 0
  - variable_name: dstPortEnd
    type_name: unsigned short
    size: 2
    kind: INT
    input: 0
  - variable_name: icmpType
    type_name: unsigned char
    size: 1
    kind: INT
    input: 8
  - variable_name: icmpCode
    type_name: unsigned char
    size: 1
    kind: INT
    input: 0
  - variable_name: action
    type_name: unsigned char
    size: 1
    kind: INT
    input: 2
byteOrder: reversed
`;

export const SEED_KEY_HEX = '40000000060000000a0a0a02000000000000000000000000';
export const SEED_VALUE_HEX = '010000000000000000080002';
