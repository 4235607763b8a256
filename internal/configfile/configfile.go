// Package configfile reads a YAML configuration file strictly and says what
// is wrong with it in the file's own terms: the line, the dotted key, and
// what was expected, never a Go type.
//
// It is strict where a lax reader would silently lose configuration: an
// unknown key (a typo of a real one), a second YAML document after "---",
// or a value of the wrong shape are errors.
package configfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/clockwatch/clockwatch/internal/filelimit"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// MaxSize is the largest configuration file Read accepts.
const MaxSize = 1 << 20

// Lines gives the line of each key of a file by its dotted name
// ("peers.sample"), so that a value found wrong after decoding can be
// pointed at.
type Lines map[string]int

// Read reads the file at path (at most MaxSize bytes) and decodes it into
// out as Decode does.
func Read(path string, out any) (Lines, error) {
	data, err := filelimit.Read(path, MaxSize)
	if errors.Is(err, filelimit.ErrTooLarge) {
		return nil, fmt.Errorf("config: %w; is it the right file?", err)
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Decode(path, data, out)
}

// Decode parses data, the contents of the file at path, into out, a
// pointer to a struct whose fields carry `yaml` tags, and returns the
// line of each key. An empty file leaves out unchanged.
func Decode(path string, data []byte, out any) (Lines, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Lines{}, nil
		}
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, fmt.Errorf("config: %s line %d: a second YAML document (after ---); clockwatch reads one document per file", path, extra.Line)
	case !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("config: %s: after the first document: %w", path, err)
	}
	if err := check(&doc, reflect.TypeOf(out).Elem(), ""); err != nil {
		return nil, fmt.Errorf("config: %s %w", path, err)
	}
	if err := doc.Decode(out); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	lines := Lines{}
	lines.add(&doc, "")
	return lines, nil
}

// add records the line of every key under node, whose dotted name is key.
func (l Lines) add(node *yaml.Node, key string) {
	switch node.Kind {
	case yaml.DocumentNode:
		l.add(node.Content[0], key)
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			name := join(key, node.Content[i].Value)
			l[name] = node.Content[i].Line
			l.add(node.Content[i+1], name)
		}
	case yaml.SequenceNode:
		for i, item := range node.Content {
			l.add(item, fmt.Sprintf("%s[%d]", key, i))
		}
	}
}

// unmarshaler is yaml.v3's interface for types that decode themselves.
var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

// duration is the type of the file's durations, which decodes itself
// with an error that does not say what it wants.
var duration = reflect.TypeFor[model.Duration]()

// check walks node against the Go type t it will be decoded into. key is
// the dotted path of node ("" at the top).
func check(node *yaml.Node, t reflect.Type, key string) error {
	switch node.Kind {
	case yaml.DocumentNode:
		return check(node.Content[0], t, key)
	case yaml.AliasNode:
		return check(node.Alias, t, key)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(node) {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return checkScalar(node, t, key)
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkStruct(node, t, key)
	case reflect.Slice:
		return checkSlice(node, t, key)
	case reflect.Map:
		return checkMap(node, t, key)
	case reflect.Interface:
		return nil
	default:
		return checkScalar(node, t, key)
	}
}

func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.Tag == "!!null"
}

// checkStruct checks a mapping's keys against a struct's yaml tags.
func checkStruct(node *yaml.Node, t reflect.Type, key string) error {
	if node.Kind != yaml.MappingNode {
		return shapeError(node, key, "a mapping of keys ("+strings.Join(fieldNames(t), ", ")+")")
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		name, value := node.Content[i].Value, node.Content[i+1]
		field, ok := fieldByName(t, name)
		if !ok {
			return fmt.Errorf("line %d: unknown key %q%s; known keys: %s", node.Content[i].Line, name, under(key), strings.Join(fieldNames(t), ", "))
		}
		if err := check(value, field.Type, join(key, name)); err != nil {
			return err
		}
	}
	return nil
}

// checkSlice checks a sequence's items.
func checkSlice(node *yaml.Node, t reflect.Type, key string) error {
	if node.Kind != yaml.SequenceNode {
		return shapeError(node, key, "a list, e.g. [a, b]")
	}
	for i, item := range node.Content {
		if err := check(item, t.Elem(), fmt.Sprintf("%s[%d]", key, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkMap checks a mapping's values.
func checkMap(node *yaml.Node, t reflect.Type, key string) error {
	if node.Kind != yaml.MappingNode {
		return shapeError(node, key, "a mapping of keys")
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if err := check(node.Content[i+1], t.Elem(), join(key, node.Content[i].Value)); err != nil {
			return err
		}
	}
	return nil
}

// checkScalar decodes a single value on its own, so its error can name
// the key and the line.
func checkScalar(node *yaml.Node, t reflect.Type, key string) error {
	if node.Kind != yaml.ScalarNode && !reflect.PointerTo(t).Implements(unmarshaler) {
		return shapeError(node, key, describe(t))
	}
	err := node.Decode(reflect.New(t).Interface())
	if err == nil {
		return nil
	}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) || t == duration {
		return fmt.Errorf("line %d: %s: want %s, got %q", node.Line, key, describe(t), node.Value)
	}
	return fmt.Errorf("line %d: %s: %v", node.Line, key, err)
}

// shapeError says that the value at node is not of the shape wanted.
func shapeError(node *yaml.Node, key, want string) error {
	got := map[yaml.Kind]string{
		yaml.MappingNode:  "a mapping",
		yaml.SequenceNode: "a list",
		yaml.ScalarNode:   fmt.Sprintf("%q", node.Value),
	}[node.Kind]
	return fmt.Errorf("line %d: %s: want %s, got %s", node.Line, key, want, got)
}

// describe names what a value of type t looks like in YAML.
func describe(t reflect.Type) string {
	if t == duration {
		return "a duration such as 90s, 30m or 1h30m, never negative"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "a single value"
	}
}

// fieldByName finds the field of struct t whose yaml name is name.
func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// fieldNames lists struct t's yaml keys, sorted.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlName(f) != "-" {
			names = append(names, yamlName(f))
		}
	}
	slices.Sort(names)
	return names
}

// yamlName is the key a field is decoded from, as yaml.v3 chooses it.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

func under(key string) string {
	if key == "" {
		return ""
	}
	return " under " + key
}
