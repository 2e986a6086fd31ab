from bench.command_line import main

main()
