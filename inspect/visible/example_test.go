package visible_test

import (
	"encoding/json"
	"fmt"

	"github.com/socketlab/socketlab/inspect/visible"
)

func ExampleString() {
	fmt.Println(visible.String("hi\x1b]52;c;aGk=\a"))
	fmt.Println(visible.String("evil\u202etxt.exe"))
	fmt.Println(visible.String("caf\xe9 \\ café"))
	// Output:
	// hi\x1b]52;c;aGk=\a
	// evil\u202etxt.exe
	// caf\xe9 \\ café
}

func ExampleTview() {
	fmt.Println(visible.Tview("click [:::https://example.invalid]HERE[:::-]"))
	fmt.Println(visible.Tview("[red]\x1b[0m"))
	// Output:
	// click [[:]:::https://example.invalid]HERE[[:]:::-]
	// [[:]red]\x1b[[:]0m
}

func ExampleQuote() {
	fmt.Println(visible.Quote("say \"hi\"\x1b[2J"))
	// Output:
	// "say \"hi\"\x1b[2J"
}

// Names go into JSON as String writes them: encoding/json would write
// each of the two bytes that are not UTF-8 as U+FFFD, and the two names
// would read the same.
func ExampleString_json() {
	for _, name := range []string{"/tmp/\xff.sock", "/tmp/\xfe.sock"} {
		raw, _ := json.Marshal(name)
		shown, _ := json.Marshal(visible.String(name))
		fmt.Printf("%s %s\n", raw, shown)
	}
	// Output:
	// "/tmp/\ufffd.sock" "/tmp/\\xff.sock"
	// "/tmp/\ufffd.sock" "/tmp/\\xfe.sock"
}
